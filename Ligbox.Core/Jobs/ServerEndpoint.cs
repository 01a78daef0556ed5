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
}
