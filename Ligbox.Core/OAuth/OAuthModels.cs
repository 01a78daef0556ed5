using Ligbox.Tools.NativeImap;

namespace Ligbox.Core.OAuth;

/// <summary>A side's OAuth 2.0 settings as the API and the job page take them; the client secret is write-only.</summary>
public sealed record OAuthSettingsModel
{
    /// <summary><c>Microsoft</c> (Office 365), <c>Google</c> or <c>OpenIdConnect</c> (any provider with a discovery document).</summary>
    public OAuthProviderKind Provider { get; set; } = OAuthProviderKind.Microsoft;

    /// <summary>
    /// The issuer whose <c>/.well-known/openid-configuration</c> names the endpoints: required for OpenIdConnect; for
    /// Microsoft a tenant's (<c>https://login.microsoftonline.com/{tenant}/v2.0</c>) instead of the multi-tenant default.
    /// </summary>
    public string? Authority { get; set; }
    public string ClientId { get; set; } = "";

    /// <summary>Write-only; left out on a change, the stored one is kept.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Space-separated scopes; empty for the provider's defaults.</summary>
    public string? Scopes { get; set; }
}

/// <summary>A side's stored OAuth 2.0 settings: never the secret, only whether one is stored.</summary>
public sealed record OAuthSettingsDto(ImapSide Side, OAuthProviderKind Provider, string? Authority, string ClientId, bool HasClientSecret,
    string? Scopes, string EffectiveScopes, DateTime UpdatedAtUtc, string UpdatedBy);

/// <summary>
/// Whether one mailbox's side may log in with OAuth 2.0, and until when: never a token. <c>ExpiresAtUtc</c> is when the
/// current access token expires; <c>RenewsItself</c> says a refresh token is stored, so runs renew the access token.
/// </summary>
public sealed record MailboxAuthorizationDto(Guid MailboxId, string SourceLogin, string Login, ImapSide Side, MailboxOAuthState State,
    DateTime? ExpiresAtUtc, bool RenewsItself, DateTime? AuthorizedAtUtc, string? AuthorizedBy, string? Problem);

/// <summary>A device authorization under way: what the admin enters where.</summary>
public sealed record DeviceAuthorizationDto(Guid RequestId, string UserCode, string VerificationUri, string? VerificationUriComplete, DateTime ExpiresAtUtc);

/// <summary>A consent finished at the callback: which mailbox, for the page it returns to.</summary>
public sealed record ConsentOutcome(Guid JobId, Guid MailboxId, string Login, ImapSide Side);

/// <summary>The mailbox cannot get an OAuth 2.0 access token (no consent, consent revoked): plain words, what to do.</summary>
public sealed class OAuthAuthorizationMissingException(string message) : DomainException(message);

/// <summary>A consent's answer could not be used: plain words; <see cref="JobId"/> when the consent it answers is known.</summary>
public sealed class OAuthConsentFailedException(string message, Guid? jobId, Guid? mailboxId) : DomainException(message)
{
    public Guid? JobId { get; } = jobId;
    public Guid? MailboxId { get; } = mailboxId;
}
