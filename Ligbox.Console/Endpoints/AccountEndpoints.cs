using Ligbox.Core.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Ligbox.Console.Endpoints;

/// <summary>
/// Sign-in and sign-out are plain form posts: an interactive Blazor circuit cannot set cookies.
/// </summary>
public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account").ExcludeFromDescription();
        account.MapPost("/login", Login).AllowAnonymous();
        account.MapPost("/logout", Logout);
        return app;
    }

    private static async Task<IResult> Login([FromForm] string email, [FromForm] string password, [FromForm] string? returnUrl,
        SignInManager<AppUser> signIn, UserManager<AppUser> users, ILoggerFactory loggers)
    {
        var target = IsLocal(returnUrl) ? returnUrl! : "/";
        var user = await users.FindByEmailAsync(email?.Trim() ?? "");
        if (user is { IsDisabled: true })
        {
            return Back("disabled", target);
        }

        var result = user is null
            ? Microsoft.AspNetCore.Identity.SignInResult.Failed
            : await signIn.PasswordSignInAsync(user, password ?? "", isPersistent: true, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            return Results.LocalRedirect(target);
        }

        loggers.CreateLogger("Ligbox.Account").LogInformation("Failed sign-in for {Email}", email);
        return Back(result.IsLockedOut ? "locked" : "invalid", target);
    }

    private static async Task<IResult> Logout(SignInManager<AppUser> signIn)
    {
        await signIn.SignOutAsync();
        return Results.LocalRedirect("/account/login");
    }

    private static IResult Back(string error, string returnUrl) =>
        Results.LocalRedirect($"/account/login?error={error}&returnUrl={Uri.EscapeDataString(returnUrl)}");

    private static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));
}
