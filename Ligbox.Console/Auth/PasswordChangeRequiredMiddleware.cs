using Ligbox.Core.Accounts;

namespace Ligbox.Console.Auth;

/// <summary>
/// A person whose password must be changed (the generated first admin password) is sent to the
/// change-password page from every page until they did; the API answers 403 with a problem in words.
/// API-token callers never carry the mark, so they are unaffected.
/// </summary>
public sealed class PasswordChangeRequiredMiddleware(RequestDelegate next)
{
    public const string ChangePath = "/account/password";

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (!context.User.HasClaim(LigboxClaimsPrincipalFactory.MustChangePasswordClaim, "true")
            || path.StartsWithSegments("/account") || path.StartsWithSegments("/_framework") || path.StartsWithSegments("/_content")
            || path.StartsWithSegments("/_blazor") || Path.HasExtension(path.Value))
        {
            await next(context);
            return;
        }

        if (path.StartsWithSegments("/api") || path.StartsWithSegments("/hubs"))
        {
            await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Password change required",
                detail: "Change the generated password at /account/password before using the console.").ExecuteAsync(context);
            return;
        }

        context.Response.Redirect($"{ChangePath}?returnUrl={Uri.EscapeDataString(context.Request.PathBase + path + context.Request.QueryString)}");
    }
}
