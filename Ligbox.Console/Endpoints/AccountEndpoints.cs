using System.Security.Claims;
using Ligbox.Console.Security;
using Ligbox.Core.Accounts;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Ligbox.Console.Endpoints;

/// <summary>
/// Sign-in and sign-out are plain form posts: an interactive Blazor circuit cannot set cookies. Both
/// need the form's antiforgery token (the login form binds [FromForm], which makes minimal APIs check
/// it; logout checks it itself), so another site cannot sign a user in or out.
/// </summary>
public static class AccountEndpoints
{
    // Hashed once: unknown, disabled and locked accounts spend the same hashing time as a wrong password.
    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<AppUser>().HashPassword(new AppUser(), Guid.NewGuid().ToString()));

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account").ExcludeFromDescription();
        account.MapPost("/login", Login).AllowAnonymous().RequireRateLimiting(WebSecurity.SignInPolicy);
        account.MapPost("/logout", Logout);
        account.MapPost("/language", SetLanguage).AllowAnonymous();
        return app;
    }

    private static async Task<IResult> Login(HttpContext context, [FromForm] string? email, [FromForm] string? password, [FromForm] string? returnUrl,
        SignInManager<AppUser> signIn, UserManager<AppUser> users, SignInAccountLimiter accountLimiter, ILoggerFactory loggers)
    {
        var target = IsLocal(returnUrl) ? returnUrl! : "/";
        var login = (email ?? "").Trim();
        if (login.Length > 256 || !accountLimiter.TryAcquire(login))
        {
            await WebSecurity.SignInThrottledAsync(context, null);
            return Results.Empty;
        }

        var user = await users.FindByEmailAsync(login);
        // One answer for every failure (unknown, wrong password, disabled, locked), after the same work.
        if (user is null || user.IsDisabled || await users.IsLockedOutAsync(user))
        {
            users.PasswordHasher.VerifyHashedPassword(user ?? new AppUser(), DummyHash.Value, password ?? "");
            return Failed(loggers, login, target);
        }

        var result = await signIn.PasswordSignInAsync(user, password ?? "", isPersistent: true, lockoutOnFailure: true);
        return result.Succeeded ? Results.LocalRedirect(target) : Failed(loggers, login, target);
    }

    private static IResult Failed(ILoggerFactory loggers, string email, string target)
    {
        loggers.CreateLogger("Ligbox.Account").LogInformation("Failed sign-in for {Email}", LogSafe(email));
        return Results.LocalRedirect($"/account/login?error=invalid&returnUrl={Uri.EscapeDataString(target)}");
    }

    private static async Task<IResult> Logout(HttpContext context, IAntiforgery antiforgery, SignInManager<AppUser> signIn)
    {
        // The form has no other field, so nothing binds [FromForm] and the framework would not check the token.
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Results.Problem("Sign out from the console's own Sign out button (the form's antiforgery token is missing or wrong).",
                statusCode: StatusCodes.Status400BadRequest, title: "Missing antiforgery token.");
        }

        await signIn.SignOutAsync();
        return Results.LocalRedirect("/account/login");
    }

    /// <summary>
    /// The language switch (top bar, sign-in page): a cookie for everyone, and the profile of a signed-in person, whose
    /// sign-in is renewed so the new language holds on every page and circuit at once.
    /// </summary>
    private static async Task<IResult> SetLanguage(HttpContext context, [FromForm] string? language, [FromForm] string? returnUrl,
        OwnPreferencesService preferences, SignInManager<AppUser> signIn)
    {
        var lang = UserLanguages.Normalize(language);
        if (lang is null)
        {
            return Results.Problem($"Choose one of the console's languages: {string.Join(", ", UserLanguages.All)}.",
                statusCode: StatusCodes.Status400BadRequest, title: "Unknown language.");
        }

        Localization.ConsoleLocalization.WriteCookie(context.Response, lang);
        var userId = context.User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (userId is not null && context.User.Identity?.AuthenticationType == IdentityConstants.ApplicationScheme)
        {
            var user = await preferences.SetLanguageAsync(userId, lang);
            await signIn.RefreshSignInAsync(user);
        }

        return Results.LocalRedirect(IsLocal(returnUrl) ? returnUrl! : "/");
    }

    /// <summary>What a visitor typed, fit for one log line: control characters (CR/LF…) removed, length capped.</summary>
    public static string LogSafe(string value)
    {
        var clean = new string(value.Where(c => !char.IsControl(c)).Take(100).ToArray());
        return clean;
    }

    /// <summary>
    /// Only a path on this site: "/x", not "//host", "/\host", or anything with control characters, which
    /// browsers strip ("/\t/x" is "//x" to them) and <c>LocalRedirect</c> refuses with an exception.
    /// </summary>
    public static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url.Length <= 2048 && url[0] == '/' && !url.Any(char.IsControl)
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));
}
