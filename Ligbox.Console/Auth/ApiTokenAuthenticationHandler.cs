using System.Security.Claims;
using System.Text.Encodings.Web;
using Ligbox.Core.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Ligbox.Console.Auth;

/// <summary>Bearer authentication with the console's own API tokens (stored hashed).</summary>
internal sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiTokenService tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (FindToken(Request) is not { } token)
        {
            return AuthenticateResult.NoResult();
        }

        var identity = await tokens.ValidateAsync(token, Context.RequestAborted);
        if (identity is null)
        {
            return AuthenticateResult.Fail("The API token is unknown, expired or revoked.");
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, $"token:{identity.Id}"),
            new(ClaimTypes.Name, $"token:{identity.Name}"),
            new(LigboxClaims.AuthKind, LigboxClaims.TokenKind),
        };
        claims.AddRange(identity.Scopes.Select(s => new Claim(LigboxClaims.Scope, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    /// <summary>
    /// The token of <c>Authorization: Bearer</c>, or on the realtime hubs the <c>access_token</c> query
    /// parameter (browsers cannot put headers on a WebSocket). Nowhere else: a token in a URL ends up in
    /// histories and proxy logs, so the API does not accept it there.
    /// </summary>
    public static string? FindToken(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        if (header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        return request.Path.StartsWithSegments("/hubs") && request.Query["access_token"].ToString() is { Length: > 0 } query ? query : null;
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}
