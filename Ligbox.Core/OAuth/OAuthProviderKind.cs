namespace Ligbox.Core.OAuth;

/// <summary>Who issues the OAuth 2.0 tokens a server side logs in with (XOAUTH2 / OAUTHBEARER).</summary>
public enum OAuthProviderKind
{
    /// <summary>Microsoft identity platform (Microsoft 365 / Exchange Online).</summary>
    Microsoft,

    /// <summary>Google (Gmail, Google Workspace).</summary>
    Google,

    /// <summary>Any OpenID Connect provider, found by its discovery document (<c>/.well-known/openid-configuration</c>).</summary>
    OpenIdConnect,
}
