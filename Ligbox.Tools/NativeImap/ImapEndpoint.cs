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

    /// <summary>A printable description without the secret: <c>user@host:port</c>.</summary>
    public override string ToString() => $"{User}@{Host}:{Port}";
}
