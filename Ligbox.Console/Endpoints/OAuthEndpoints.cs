using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Ligbox.Console.Auth;
using Ligbox.Core;
using Ligbox.Core.OAuth;
using Ligbox.Tools.NativeImap;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Ligbox.Console.Endpoints;

/// <summary>
/// OAuth 2.0 from the console (issue 15). The API: a job's OAuth settings and whether each mailbox is authorized (never a
/// token), saving a side's settings, and the device flow for headless use. The browser's consent: a form post with the
/// page's antiforgery token starts it (the <c>state</c> goes into an HttpOnly cookie and is bound to the signed-in
/// user), the provider sends the browser back to <c>/oauth/callback</c>, which checks both before the code is exchanged.
/// </summary>
public static class OAuthEndpoints
{
    public const string CallbackPath = "/oauth/callback";
    private const string StateCookie = "lbx_oauth_state";

    public static IEndpointRouteBuilder MapOAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/migration/jobs/{id:guid}/oauth").RequireAuthorization().WithTags("OAuth");
        api.MapGet("/", Get).RequireAuthorization(Policies.JobsRead).WithName("GetJobOAuth")
            .WithSummary("A job's OAuth 2.0 settings per side (the client secret only as hasClientSecret) and each mailbox's authorization: state and until when, never a token.");
        api.MapPut("/{side}", Save).RequireAuthorization(Policies.JobsWrite).WithName("SaveJobOAuth")
            .WithSummary("Save the OAuth 2.0 client settings of the source or destination (provider, authority, clientId, clientSecret write-only, scopes); audited.");
        api.MapPost("/{side}/mailboxes/{mailboxId:guid}/device", StartDevice).RequireAuthorization(Policies.JobsWrite).WithName("StartOAuthDeviceSignIn")
            .WithSummary("Start the device sign-in for one mailbox: answers the user code and the address to enter it at; the console waits for the approval itself (poll GET for the state).");

        var browser = app.MapGroup("/oauth").ExcludeFromDescription().RequireAuthorization(Policies.CanManageMigration);
        browser.MapPost("/authorize", Authorize);
        browser.MapGet("/callback", Callback);
        return app;
    }

    private static ImapSide ParseSide(string side) => side.ToLowerInvariant() switch
    {
        "source" => ImapSide.Source,
        "destination" => ImapSide.Destination,
        _ => throw new ValidationFailedException(new Dictionary<string, string[]> { ["side"] = ["Use source or destination."] }),
    };

    private static async Task<Ok<JobOAuthDto>> Get(Guid id, OAuthService oauth, CancellationToken ct) =>
        TypedResults.Ok(new JobOAuthDto(await oauth.GetSettingsAsync(id, ct), await oauth.ListAuthorizationsAsync(id, ct)));

    private static async Task<Ok<OAuthSettingsDto>> Save(Guid id, string side, OAuthSettingsModel model, OAuthService oauth, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await oauth.SaveSettingsAsync(id, ParseSide(side), model, user.Actor(), ct));

    private static async Task<Ok<DeviceAuthorizationDto>> StartDevice(Guid id, string side, Guid mailboxId, OAuthService oauth, IServiceScopeFactory scopes,
        IHostApplicationLifetime lifetime, ILoggerFactory loggers, ClaimsPrincipal user, CancellationToken ct)
    {
        var device = await oauth.BeginDeviceAsync(id, mailboxId, ParseSide(side), user.Actor(), ct);
        // The caller only shows the code; the console waits for the approval (the mailbox's state tells the outcome).
        _ = Task.Run(async () =>
        {
            await using var scope = scopes.CreateAsyncScope();
            try
            {
                await scope.ServiceProvider.GetRequiredService<OAuthService>().WaitForDeviceAsync(device.RequestId, lifetime.ApplicationStopping);
            }
            catch (Exception ex) when (ex is DomainException or OperationCanceledException)
            {
                loggers.CreateLogger("Ligbox.OAuth").LogInformation("The device sign-in {RequestId} ended without tokens: {Reason}", device.RequestId, ex.Message);
            }
        }, CancellationToken.None);
        return TypedResults.Ok(device);
    }

    /// <summary>The redirect URI registered at the provider: this console's address (behind a proxy, its forwarded one) + <see cref="CallbackPath"/>.</summary>
    public static string RedirectUri(HttpRequest request, IConfiguration configuration) =>
        configuration["Ligbox:OAuth:RedirectUri"] is { Length: > 0 } configured ? configured : $"{request.Scheme}://{request.Host}{request.PathBase}{CallbackPath}";

    // The Authorize button's form (antiforgery checked by the [FromForm] binding): to the provider's consent page.
    private static async Task<IResult> Authorize(HttpContext context, [FromForm] Guid jobId, [FromForm] Guid mailboxId, [FromForm] string side,
        OAuthService oauth, IConfiguration configuration, CancellationToken ct)
    {
        string url, state;
        try
        {
            (url, state) = await oauth.BeginConsentAsync(jobId, mailboxId, ParseSide(side), RedirectUri(context.Request, configuration), UserKey(context.User), ct);
        }
        catch (Exception ex) when (ex is DomainException or OAuthException or ValidationFailedException or NotFoundException)
        {
            return Results.LocalRedirect($"/migration/jobs/{jobId}?oauth=failed&mailbox={mailboxId}&reason={Uri.EscapeDataString(Short(ex.Message))}#oauth");
        }

        context.Response.Cookies.Append(StateCookie, state, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax, // sent on the provider's top-level redirect back
            Secure = context.Request.IsHttps,
            Path = "/oauth",
            MaxAge = OAuthPendingRequests.Lifetime,
            IsEssential = true,
        });
        // Not a 302: the job page's CSP (form-action 'self') would block a form post redirected to the provider. A page
        // that moves on by itself (and offers the link) is a new navigation, which form-action does not govern.
        var href = System.Net.WebUtility.HtmlEncode(url);
        return Results.Content($"<!doctype html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0;url={href}\">" +
            $"<title>OAuth 2.0</title></head><body><p><a id=\"continue\" href=\"{href}\">Continue to the provider's sign-in page</a></p></body></html>", "text/html; charset=utf-8");
    }

    private static async Task<IResult> Callback(HttpContext context, string? state, string? code, string? error,
        [FromQuery(Name = "error_description")] string? errorDescription, OAuthService oauth, CancellationToken ct)
    {
        var cookie = context.Request.Cookies[StateCookie];
        context.Response.Cookies.Delete(StateCookie, new CookieOptions { Path = "/oauth" });
        try
        {
            if (string.IsNullOrEmpty(state) || cookie is null
                || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(cookie), Encoding.UTF8.GetBytes(state)))
            {
                throw new OAuthConsentFailedException(
                    "This sign-in answer does not belong to a consent started in this browser. Press Authorize again on the job page.", null, null);
            }

            var outcome = await oauth.CompleteConsentAsync(state, code, error, errorDescription, UserKey(context.User), context.User.Actor(), ct);
            return Results.LocalRedirect($"/migration/jobs/{outcome.JobId}?oauth=authorized&mailbox={outcome.MailboxId}#oauth");
        }
        catch (OAuthConsentFailedException ex) when (ex.JobId is { } jobId)
        {
            return Results.LocalRedirect($"/migration/jobs/{jobId}?oauth=failed&mailbox={ex.MailboxId}&reason={Uri.EscapeDataString(Short(ex.Message))}#oauth");
        }
        catch (OAuthConsentFailedException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest, title: "The sign-in could not be completed.");
        }
    }

    private static string UserKey(ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.Actor();

    private static string Short(string message) => message.Length > 300 ? message[..300] : message;
}

/// <summary>A job's OAuth 2.0 settings and its mailboxes' authorizations.</summary>
public sealed record JobOAuthDto(IReadOnlyList<OAuthSettingsDto> Settings, IReadOnlyList<MailboxAuthorizationDto> Mailboxes);
