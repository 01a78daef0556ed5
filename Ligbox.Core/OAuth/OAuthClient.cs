using System.Security.Cryptography;
using System.Text;
using Duende.IdentityModel.Client;
using Microsoft.AspNetCore.WebUtilities;

namespace Ligbox.Core.OAuth;

/// <summary>
/// One side's OAuth 2.0 client registration: who issues the tokens and the console's client id, secret and scopes there.
/// </summary>
/// <param name="Provider">Microsoft, Google or a generic OpenID Connect provider.</param>
/// <param name="Authority">
/// The issuer whose discovery document (<c>/.well-known/openid-configuration</c>) names the endpoints; <c>null</c> for
/// Microsoft (<c>https://login.microsoftonline.com/organizations/v2.0</c>) and Google (<c>https://accounts.google.com</c>).
/// </param>
/// <param name="ClientId">The console's client id at the provider.</param>
/// <param name="ClientSecret">Its secret (a confidential client); never logged.</param>
/// <param name="Scopes">Space-separated scopes; <c>null</c> for the provider's defaults (<see cref="DefaultScopes"/>).</param>
public sealed record OAuthClientSettings(OAuthProviderKind Provider, string? Authority, string ClientId, string? ClientSecret, string? Scopes = null)
{
    /// <summary>The issuer actually used.</summary>
    public string EffectiveAuthority => Authority ?? Provider switch
    {
        OAuthProviderKind.Microsoft => "https://login.microsoftonline.com/organizations/v2.0",
        OAuthProviderKind.Google => "https://accounts.google.com",
        _ => throw new OAuthException("A generic OpenID Connect provider needs its issuer address (where /.well-known/openid-configuration is)."),
    };

    /// <summary>The scopes actually asked for.</summary>
    public string EffectiveScopes => string.IsNullOrWhiteSpace(Scopes) ? DefaultScopes(Provider) : Scopes.Trim();

    /// <summary>What IMAP access needs at each provider, with a refresh token.</summary>
    public static string DefaultScopes(OAuthProviderKind provider) => provider switch
    {
        OAuthProviderKind.Microsoft => "https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
        OAuthProviderKind.Google => "https://mail.google.com/",
        _ => "openid email offline_access",
    };

    /// <summary>Hides the secret from records' printing.</summary>
    public override string ToString() => $"{Provider} {EffectiveAuthority} client {ClientId}";
}

/// <summary>Tokens a provider issued for one mailbox: keep them encrypted, never log them.</summary>
public sealed record OAuthTokens(string AccessToken, string? RefreshToken, DateTimeOffset ExpiresAtUtc)
{
    /// <summary>Whether the access token should be refreshed before use (it expires within <paramref name="margin"/>).</summary>
    public bool ExpiresWithin(TimeSpan margin, DateTimeOffset nowUtc) => ExpiresAtUtc - nowUtc <= margin;

    public override string ToString() => $"tokens expiring {ExpiresAtUtc:u}";
}

/// <summary>An authorization (consent) link to open in a browser, with what the callback needs to finish it.</summary>
/// <param name="Url">The provider's authorization URL (PKCE S256, state, login hint).</param>
/// <param name="State">Ties the callback to this request.</param>
/// <param name="CodeVerifier">The PKCE secret the code is exchanged with; keep it server-side.</param>
public sealed record OAuthAuthorizationRequest(string Url, string State, string CodeVerifier);

/// <summary>A device authorization: the admin opens <see cref="VerificationUri"/> and enters <see cref="UserCode"/>.</summary>
public sealed record OAuthDeviceAuthorization(string DeviceCode, string UserCode, string VerificationUri, string? VerificationUriComplete,
    TimeSpan Interval, DateTimeOffset ExpiresAtUtc);

/// <summary>A provider refused or could not be reached; the message is in plain words and holds no secret.</summary>
public class OAuthException(string message) : Exception(message);

/// <summary>The refresh token was refused (consent revoked or expired): the mailbox's user must consent again.</summary>
public sealed class OAuthConsentRevokedException(string message) : OAuthException(message);

/// <summary>
/// The console's OAuth 2.0 client, on Duende.IdentityModel (discovery, authorization code with PKCE, refresh, device
/// authorization, revocation): the protocols are the library's, this class only chooses and explains.
/// </summary>
public sealed class OAuthClient(HttpClient http, TimeProvider clock)
{
    /// <summary>Starts an authorization code flow with PKCE (S256): the link a mailbox's user or an admin opens to consent.</summary>
    /// <exception cref="OAuthException">The provider's discovery document cannot be read.</exception>
    public async Task<OAuthAuthorizationRequest> BeginAuthorizationAsync(OAuthClientSettings settings, string redirectUri, string? loginHint, CancellationToken ct = default)
    {
        var disco = await DiscoverAsync(settings, ct);
        var verifier = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var challenge = WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var state = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(24));
        var extra = settings.Provider switch
        {
            // Google issues a refresh token only with offline access (and again only after a new consent).
            OAuthProviderKind.Google => new Parameters { { "access_type", "offline" }, { "prompt", "consent" } },
            _ => null,
        };
        var url = new RequestUrl(disco.AuthorizeEndpoint!).CreateAuthorizeUrl(settings.ClientId, "code", settings.EffectiveScopes, redirectUri,
            state: state, loginHint: loginHint, codeChallenge: challenge, codeChallengeMethod: "S256", extra: extra);
        return new OAuthAuthorizationRequest(url, state, verifier);
    }

    /// <summary>Exchanges the code the callback received for tokens.</summary>
    /// <exception cref="OAuthException">The provider refused the code.</exception>
    public async Task<OAuthTokens> ExchangeCodeAsync(OAuthClientSettings settings, string code, string codeVerifier, string redirectUri, CancellationToken ct = default)
    {
        var disco = await DiscoverAsync(settings, ct);
        var response = await http.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = disco.TokenEndpoint,
            ClientId = settings.ClientId,
            ClientSecret = settings.ClientSecret,
            Code = code,
            CodeVerifier = codeVerifier,
            RedirectUri = redirectUri,
        }, ct);
        return Tokens(response, null, "the consent could not be completed");
    }

    /// <summary>Gets a new access token with the refresh token (the provider may also rotate the refresh token).</summary>
    /// <exception cref="OAuthConsentRevokedException">The refresh token was refused: consent again.</exception>
    /// <exception cref="OAuthException">The provider could not be reached or refused otherwise.</exception>
    public async Task<OAuthTokens> RefreshAsync(OAuthClientSettings settings, string refreshToken, CancellationToken ct = default)
    {
        var disco = await DiscoverAsync(settings, ct);
        var response = await http.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = disco.TokenEndpoint,
            ClientId = settings.ClientId,
            ClientSecret = settings.ClientSecret,
            RefreshToken = refreshToken,
        }, ct);
        if (response.IsError && response.Error is "invalid_grant")
        {
            throw new OAuthConsentRevokedException(
                "the sign-in permission (OAuth consent) was revoked or has expired: the mailbox's user or an admin must consent again");
        }

        return Tokens(response, refreshToken, "the access token could not be refreshed");
    }

    /// <summary>Starts the device authorization flow (for an admin on another device).</summary>
    public async Task<OAuthDeviceAuthorization> BeginDeviceAuthorizationAsync(OAuthClientSettings settings, CancellationToken ct = default)
    {
        var disco = await DiscoverAsync(settings, ct);
        var response = await http.RequestDeviceAuthorizationAsync(new DeviceAuthorizationRequest
        {
            Address = disco.DeviceAuthorizationEndpoint ?? throw new OAuthException($"{settings.EffectiveAuthority} offers no device authorization: use the consent link instead."),
            ClientId = settings.ClientId,
            ClientSecret = settings.ClientSecret,
            Scope = settings.EffectiveScopes,
        }, ct);
        if (response.IsError)
        {
            throw new OAuthException($"{settings.EffectiveAuthority} refused the device authorization: {response.Error} {response.ErrorDescription}".TrimEnd());
        }

        return new OAuthDeviceAuthorization(response.DeviceCode!, response.UserCode!, response.VerificationUri!, response.VerificationUriComplete,
            TimeSpan.FromSeconds(Math.Max(1, response.Interval)), clock.GetUtcNow().AddSeconds(response.ExpiresIn ?? 600));
    }

    /// <summary>Asks once whether the device authorization was approved: the tokens, or <c>null</c> while it is pending.</summary>
    /// <exception cref="OAuthException">Refused, or expired.</exception>
    public async Task<OAuthTokens?> PollDeviceAuthorizationAsync(OAuthClientSettings settings, string deviceCode, CancellationToken ct = default)
    {
        var disco = await DiscoverAsync(settings, ct);
        var response = await http.RequestDeviceTokenAsync(new DeviceTokenRequest
        {
            Address = disco.TokenEndpoint,
            ClientId = settings.ClientId,
            ClientSecret = settings.ClientSecret,
            DeviceCode = deviceCode,
        }, ct);
        return response.IsError && response.Error is "authorization_pending" or "slow_down"
            ? null
            : Tokens(response, null, "the device authorization was not approved");
    }

    /// <summary>Revokes a token at the provider (when it offers revocation).</summary>
    public async Task RevokeAsync(OAuthClientSettings settings, string token, CancellationToken ct = default)
    {
        var disco = await DiscoverAsync(settings, ct);
        if (disco.RevocationEndpoint is null)
        {
            return;
        }

        var response = await http.RevokeTokenAsync(new TokenRevocationRequest
        {
            Address = disco.RevocationEndpoint,
            ClientId = settings.ClientId,
            ClientSecret = settings.ClientSecret,
            Token = token,
        }, ct);
        if (response.IsError)
        {
            throw new OAuthException($"{settings.EffectiveAuthority} did not revoke the token: {response.Error}");
        }
    }

    private async Task<DiscoveryDocumentResponse> DiscoverAsync(OAuthClientSettings settings, CancellationToken ct)
    {
        var disco = await http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest
        {
            Address = settings.EffectiveAuthority,
            // Microsoft's multi-tenant issuer is "https://login.microsoftonline.com/{tenantid}/v2.0", not the address asked.
            Policy = { ValidateIssuerName = settings.Provider != OAuthProviderKind.Microsoft, ValidateEndpoints = settings.Provider != OAuthProviderKind.Microsoft },
        }, ct);
        return disco.IsError
            ? throw new OAuthException($"the OAuth provider's discovery document at {settings.EffectiveAuthority} could not be read: {disco.Error}")
            : disco;
    }

    private OAuthTokens Tokens(TokenResponse response, string? previousRefreshToken, string what)
    {
        if (response.IsError || string.IsNullOrEmpty(response.AccessToken))
        {
            throw new OAuthException($"{what}: {response.Error ?? "no access token"}{(string.IsNullOrEmpty(response.ErrorDescription) ? "" : " (" + response.ErrorDescription + ")")}");
        }

        return new OAuthTokens(response.AccessToken, response.RefreshToken ?? previousRefreshToken,
            clock.GetUtcNow().AddSeconds(response.ExpiresIn > 0 ? response.ExpiresIn : 3600));
    }
}
