using System.ComponentModel.DataAnnotations;

namespace Ligbox.Tools.Imapsync;

/// <summary>How imapsync secures the connection to one server.</summary>
public enum ImapsyncSecurity
{
    /// <summary>Plain IMAP (imapsync may still upgrade with STARTTLS when the server offers it).</summary>
    None,

    /// <summary>Implicit TLS from the first byte (<c>--ssl1</c>/<c>--ssl2</c>, usually port 993).</summary>
    Ssl,

    /// <summary>STARTTLS on the plain port (<c>--tls1</c>/<c>--tls2</c>).</summary>
    StartTls,
}

/// <summary>One side of an imapsync run.</summary>
public sealed record ImapsyncEndpoint
{
    /// <summary>IMAP server host name or address.</summary>
    public required string Host { get; init; }

    /// <summary>Port; imapsync's default for the security mode when <c>null</c>.</summary>
    public int? Port { get; init; }

    /// <summary>Login user name.</summary>
    public required string User { get; init; }

    /// <summary>
    /// The password. Never put on the command line: it is written to a private 0600 passfile for the
    /// duration of the run.
    /// </summary>
    public required string Password { get; init; }

    /// <summary>Connection security.</summary>
    public ImapsyncSecurity Security { get; init; } = ImapsyncSecurity.None;

    /// <summary>
    /// The SHA-256 fingerprint (64 hex digits) of the one server certificate trusted besides those that verify
    /// (<c>--sslargsN SSL_fingerprint=sha256$...</c>). imapsync still checks the host name against it, unlike
    /// the native engine: a pinned certificate must name the host the job connects to.
    /// </summary>
    public string? CertificateSha256 { get; init; }

    /// <summary>
    /// An admin that authenticates and acts as <see cref="User"/> (<c>--authuserN</c>: SASL PLAIN with <see cref="User"/>
    /// as the authorization identity); <see cref="Password"/> is then the admin's. A Dovecot master-user login needs
    /// none: it is the user name <c>user*admin</c>.
    /// </summary>
    public string? AuthUser { get; init; }

    /// <summary>
    /// <see cref="Password"/> is an OAuth 2.0 access token: imapsync logs in with XOAUTH2 reading it from the same 0600
    /// file as a password (<c>--oauthaccesstoken1/2</c> naming the file, so the token is never in argv).
    /// </summary>
    public bool PasswordIsOAuthAccessToken { get; init; }

    /// <summary>Hides the password from <c>ToString()</c>, which records would otherwise print.</summary>
    public override string ToString() => $"{User}@{Host}:{Port?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "default"} ({Security})";
}

/// <summary>One imapsync run: typed, so nothing a user typed ends up as a raw command line.</summary>
public sealed record ImapsyncOptions
{
    /// <summary>The source (imapsync "host1").</summary>
    public required ImapsyncEndpoint Host1 { get; init; }

    /// <summary>The destination (imapsync "host2").</summary>
    public required ImapsyncEndpoint Host2 { get; init; }

    /// <summary>Only these folders, by exact name (<c>--folder</c>, repeated).</summary>
    public IReadOnlyList<string> Folders { get; init; } = [];

    /// <summary>Only folders matching these regular expressions (<c>--include</c>, repeated).</summary>
    public IReadOnlyList<string> IncludeFolders { get; init; } = [];

    /// <summary>Skip folders matching these regular expressions (<c>--exclude</c>, repeated).</summary>
    public IReadOnlyList<string> ExcludeFolders { get; init; } = [];

    /// <summary>Only log in to both sides and exit (<c>--justlogin</c>): the preflight check.</summary>
    public bool JustLogin { get; init; }

    /// <summary>Show what would be done without changing host2 (<c>--dry</c>).</summary>
    public bool DryRun { get; init; }

    /// <summary>Delete messages on host2 that are not on host1 (<c>--delete2</c>), for a strict final sync.</summary>
    public bool Delete2 { get; init; }

    /// <summary>Stop after this many errors (<c>--errorsmax</c>); imapsync's default (50) when <c>null</c>.</summary>
    [Range(1, int.MaxValue)]
    public int? ErrorsMax { get; init; }

    /// <summary>
    /// Further imapsync options, one argv element each (e.g. <c>["--automap", "--maxage", "365"]</c>).
    /// Only the options in <see cref="ImapsyncCommandBuilder.AllowedExtraOptions"/> are accepted, so
    /// extra arguments cannot delete from host1, reveal passwords or move the log.
    /// </summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>
    /// A name for the run's log file (letters, digits, <c>.</c>, <c>_</c>, <c>-</c>); a timestamped
    /// unique name when <c>null</c>.
    /// </summary>
    public string? RunName { get; init; }

    /// <summary>
    /// Where this run's log goes (<c>--logdir</c>), e.g. one directory per migration run;
    /// <see cref="ImapsyncSettings.LogDirectory"/> when <c>null</c>.
    /// </summary>
    public string? LogDirectory { get; init; }
}
