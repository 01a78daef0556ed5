namespace Ligbox.Tools.NativeImap;

/// <summary>How the connection to an IMAP server is secured.</summary>
public enum ImapSecurity
{
    /// <summary>Plain text (test servers, trusted networks only).</summary>
    None,

    /// <summary>Plain connection upgraded with STARTTLS (usually port 143).</summary>
    StartTls,

    /// <summary>TLS from the first byte (IMAPS, usually port 993).</summary>
    Ssl,
}

/// <summary>The SASL mechanism used to log in.</summary>
public enum ImapAuthMechanism
{
    /// <summary>SASL PLAIN with a password.</summary>
    Plain,

    /// <summary>LOGIN with a password.</summary>
    Login,

    /// <summary>XOAUTH2: <see cref="ImapEndpoint.Secret"/> is an OAuth 2.0 access token, not a password.</summary>
    XOAuth2,

    /// <summary>OAUTHBEARER (RFC 7628): <see cref="ImapEndpoint.Secret"/> is an OAuth 2.0 access token.</summary>
    OAuthBearer,
}

/// <summary>How an admin credential logs in as the mailbox's user (see <see cref="ImapEndpoint.AdminUser"/>).</summary>
public enum ImapAdminMode
{
    /// <summary>
    /// A master user as Dovecot and mailcow use it: the login is <c>user*admin</c> with the admin's password
    /// (<see cref="ImapEndpoint.MasterSeparator"/>).
    /// </summary>
    MasterUser,

    /// <summary>
    /// SASL PLAIN with an authorization identity: the admin authenticates and asks to act as the user
    /// (imapsync's <c>--authuser</c>, Dovecot master users, Cyrus/Zimbra admin proxy authorization).
    /// </summary>
    ProxyAuth,
}

/// <summary>One side of a migration: an IMAP server and the account on it.</summary>
/// <param name="Host">Server host name or address.</param>
/// <param name="Port">TCP port (143 for None/StartTls, 993 for Ssl, usually).</param>
/// <param name="Security">Transport security.</param>
/// <param name="User">Login name.</param>
/// <param name="Secret">Password, or the access token for <see cref="ImapAuthMechanism.XOAuth2"/>. Never logged.</param>
/// <param name="Mechanism">How to authenticate.</param>
public sealed record ImapEndpoint(
    string Host,
    int Port,
    ImapSecurity Security,
    string User,
    string Secret,
    ImapAuthMechanism Mechanism = ImapAuthMechanism.Plain)
{
    /// <summary>
    /// The SHA-256 fingerprint (64 hex digits, see <see cref="CertificatePin"/>) of a server certificate the job
    /// trusts although no authority vouches for it (a self-signed one). Certificates are verified as usual; a
    /// certificate that fails verification is accepted only when it is exactly this one. <c>null</c>: no pin.
    /// </summary>
    public string? CertificateSha256 { get; init; }

    /// <summary>
    /// An admin login that logs in as <see cref="ImapEndpoint.User"/> (<see cref="AdminMode"/>); <see cref="ImapEndpoint.Secret"/>
    /// is then the admin's password. <c>null</c>: the user logs in with their own password.
    /// </summary>
    public string? AdminUser { get; init; }

    /// <summary>How <see cref="AdminUser"/> logs in as the user.</summary>
    public ImapAdminMode AdminMode { get; init; } = ImapAdminMode.MasterUser;

    /// <summary>Between the user and the master user in a <see cref="ImapAdminMode.MasterUser"/> login (Dovecot's <c>auth_master_user_separator</c>).</summary>
    public string MasterSeparator { get; init; } = "*";

    /// <summary>The name sent to the server: <c>user*admin</c> for a master user, otherwise the user (or the admin, for proxy authorization).</summary>
    public string LoginName => AdminUser is null ? User : AdminMode == ImapAdminMode.MasterUser ? User + MasterSeparator + AdminUser : AdminUser;

    /// <summary>A printable description without the secret: <c>user@host:port</c>.</summary>
    public override string ToString() => $"{User}@{Host}:{Port}";
}
