namespace Ligbox.Core.Jobs;

/// <summary>An IMAP server a job reads from or writes to. Stored as an owned value on the job.</summary>
public sealed record ServerEndpoint
{
    public required string Host { get; init; }
    public int Port { get; init; } = 993;
    public ImapSecurityMode Security { get; init; } = ImapSecurityMode.Ssl;
    public ImapAuthMode Auth { get; init; } = ImapAuthMode.Plain;

    /// <summary>
    /// The SHA-256 fingerprint (64 upper-case hex digits) of the server certificate the technician confirmed and
    /// pinned: trusted although no authority vouches for it (an old server's self-signed certificate). Every other
    /// certificate is verified as usual; <c>null</c> when nothing is pinned.
    /// </summary>
    public string? CertificateSha256 { get; init; }

    /// <summary>
    /// An admin login (master user) that logs in as every mailbox's user on this server, so the mailboxes need no
    /// password of their own here; <c>null</c> when each mailbox logs in with its own password.
    /// </summary>
    public string? AdminLogin { get; init; }

    /// <summary>How <see cref="AdminLogin"/> logs in as the user.</summary>
    public AdminLoginMode AdminMode { get; init; } = AdminLoginMode.MasterUser;

    /// <summary>The admin's password, encrypted like mailbox passwords (<see cref="Security.SecretProtector"/>); never shown.</summary>
    public string? AdminSecretProtected { get; init; }

    /// <summary>Whether mailboxes log in through <see cref="AdminLogin"/> on this server.</summary>
    public bool UsesAdminLogin => !string.IsNullOrEmpty(AdminLogin) && !string.IsNullOrEmpty(AdminSecretProtected);

    public override string ToString() => $"{Host}:{Port} ({Security})";
}

/// <summary>Folder selection and mapping options of a job.</summary>
public sealed record JobOptions
{
    /// <summary>Glob patterns of source folders to include; empty means all.</summary>
    public IReadOnlyList<string> IncludeFolders { get; init; } = [];

    /// <summary>Glob patterns of source folders to leave out.</summary>
    public IReadOnlyList<string> ExcludeFolders { get; init; } = [];

    /// <summary>Explicit source folder → destination folder overrides.</summary>
    public IReadOnlyDictionary<string, string> FolderMappings { get; init; } = new Dictionary<string, string>();

    /// <summary>Only messages younger than this many days are copied; null copies everything.</summary>
    public int? MaxMessageAgeDays { get; init; }

    /// <summary>
    /// On a final pass, delete on the destination the messages Ligbox copied whose source message was deleted
    /// (messages that were on the destination before are never deleted). Off by default.
    /// </summary>
    public bool MirrorOnFinal { get; init; }

    /// <summary>
    /// Most of this job's mailboxes synced at the same time (within the console-wide
    /// <c>Ligbox:Runs:MaxConcurrentMailboxes</c>); null for no job limit. Providers cap connections per tenant.
    /// </summary>
    public int? MaxConcurrentMailboxes { get; init; }

    /// <summary>Most messages copied per second per mailbox (native and imapsync engines); null for no limit.</summary>
    public double? MaxMessagesPerSecond { get; init; }

    /// <summary>Most bytes copied per second per mailbox (native and imapsync engines); null for no limit.</summary>
    public long? MaxBytesPerSecond { get; init; }
}
