using Ligbox.Core.Mailboxes;

namespace Ligbox.Core.Jobs;

/// <summary>Server settings as the API and the forms take them (T003).</summary>
public sealed record ServerEndpointModel
{
    public string Host { get; set => field = value ?? ""; } = "";
    public int Port { get; set; } = 993;
    public ImapSecurityMode Security { get; set; } = ImapSecurityMode.Ssl;
    public ImapAuthMode Auth { get; set; } = ImapAuthMode.Plain;

    /// <summary>
    /// The SHA-256 fingerprint of the server certificate to trust (as Test connection / pre-flight shows it; colons,
    /// spaces and case do not matter); empty for none.
    /// </summary>
    public string? CertificateSha256 { get; set; }

    /// <summary>
    /// An admin login (master user) that logs in as every mailbox's user on this server; the mailbox CSV may then
    /// leave this side's passwords out. Empty for none.
    /// </summary>
    public string? AdminLogin { get; set; }

    /// <summary>How the admin logs in as the user: <c>MasterUser</c> (<c>user*admin</c>) or <c>ProxyAuth</c> (SASL PLAIN authorization identity).</summary>
    public AdminLoginMode AdminMode { get; set; } = AdminLoginMode.MasterUser;

    /// <summary>Write-only: the admin's password (stored encrypted). Left out on a change, the stored one is kept.</summary>
    public string? AdminPassword { get; set; }

    /// <summary>Read-only: whether an admin password is stored.</summary>
    public bool HasAdminPassword { get; set; }

    public ServerEndpoint ToEndpoint() => new()
    {
        Host = Host.Trim().ToLowerInvariant(),
        Port = Port,
        Security = Security,
        Auth = Auth,
        CertificateSha256 = Tools.NativeImap.CertificatePin.TryNormalize(CertificateSha256, out var pin) ? pin : null,
        AdminLogin = string.IsNullOrWhiteSpace(AdminLogin) ? null : AdminLogin.Trim(),
        AdminMode = AdminMode,
    };

    public static ServerEndpointModel From(ServerEndpoint e) => new()
    {
        Host = e.Host,
        Port = e.Port,
        Security = e.Security,
        Auth = e.Auth,
        CertificateSha256 = e.CertificateSha256 is { } pin ? Tools.NativeImap.CertificatePin.Display(pin) : null,
        AdminLogin = e.AdminLogin,
        AdminMode = e.AdminMode,
        HasAdminPassword = !string.IsNullOrEmpty(e.AdminSecretProtected),
    };
}

public sealed record JobOptionsModel
{
    // JSON null means empty (issue 12): never a null list inside the domain.
    public List<string> IncludeFolders { get; set => field = value ?? []; } = [];
    public List<string> ExcludeFolders { get; set => field = value ?? []; } = [];
    public Dictionary<string, string> FolderMappings { get; set => field = value ?? []; } = [];
    public int? MaxMessageAgeDays { get; set; }

    /// <summary>On the final pass, delete on the destination only messages Ligbox copied that were deleted on the source.</summary>
    public bool MirrorOnFinal { get; set; }

    /// <summary>Most of this job's mailboxes synced at once (a provider's connection limit); null for no job limit.</summary>
    public int? MaxConcurrentMailboxes { get; set; }

    /// <summary>Most messages copied per second per mailbox; null for no limit.</summary>
    public double? MaxMessagesPerSecond { get; set; }

    /// <summary>Most bytes copied per second per mailbox; null for no limit.</summary>
    public long? MaxBytesPerSecond { get; set; }

    public JobOptions ToOptions() => new()
    {
        IncludeFolders = IncludeFolders.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s.Trim()).ToList(),
        ExcludeFolders = ExcludeFolders.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s.Trim()).ToList(),
        FolderMappings = FolderMappings.Where(kv => !string.IsNullOrWhiteSpace(kv.Key) && !string.IsNullOrWhiteSpace(kv.Value))
            .ToDictionary(kv => kv.Key.Trim(), kv => kv.Value.Trim()),
        MaxMessageAgeDays = MaxMessageAgeDays,
        MirrorOnFinal = MirrorOnFinal,
        MaxConcurrentMailboxes = MaxConcurrentMailboxes,
        MaxMessagesPerSecond = MaxMessagesPerSecond,
        MaxBytesPerSecond = MaxBytesPerSecond,
    };

    public static JobOptionsModel From(JobOptions o) => new()
    {
        IncludeFolders = [.. o.IncludeFolders],
        ExcludeFolders = [.. o.ExcludeFolders],
        FolderMappings = o.FolderMappings.ToDictionary(),
        MaxMessageAgeDays = o.MaxMessageAgeDays,
        MirrorOnFinal = o.MirrorOnFinal,
        MaxConcurrentMailboxes = o.MaxConcurrentMailboxes,
        MaxMessagesPerSecond = o.MaxMessagesPerSecond,
        MaxBytesPerSecond = o.MaxBytesPerSecond,
    };
}

public sealed record CreateJobRequest
{
    public string Domain { get; set => field = value ?? ""; } = "";
    public string? Name { get; set; }
    public string? TicketId { get; set; }

    /// <summary>The old provider's IMAP server; null (or left out) for a job that takes PST/mbox imports only.</summary>
    public ServerEndpointModel? Source { get; set; }
    public ServerEndpointModel Destination { get; set; } = new();
    public SyncEngineKind Engine { get; set; } = SyncEngineKind.Native;
    public JobOptionsModel? Options { get; set; }

    /// <summary>"en" or "pt": the language of the job's PDF report. Left out: the creator's profile language, else the request's, else English.</summary>
    public string? Language { get; set; }
}

/// <summary>A partial update: null members are left as they are.</summary>
public sealed record UpdateJobRequest
{
    public string? Name { get; set; }
    public string? TicketId { get; set; }
    public ServerEndpointModel? Source { get; set; }
    public ServerEndpointModel? Destination { get; set; }
    public SyncEngineKind? Engine { get; set; }
    public JobOptionsModel? Options { get; set; }

    /// <summary>"en" or "pt": the language of the job's PDF report.</summary>
    public string? Language { get; set; }
}

public sealed record JobDto(
    Guid Id,
    string Domain,
    string Name,
    string? TicketId,
    string? TicketUrl,
    MigrationPhase Phase,
    string? PhaseReason,
    ServerEndpointModel? Source,
    ServerEndpointModel Destination,
    SyncEngineKind Engine,
    JobOptionsModel Options,
    int MailboxCount,
    string CreatedBy,
    DateTime CreatedAtUtc,
    DateTime UpdatedAtUtc,
    string Language = "en");

public enum JobSortField
{
    CreatedAt,
    Domain,
    Name,
    Phase,
    Mailboxes,
}

public sealed record JobListQuery
{
    public string? Domain { get; init; }
    public MigrationPhase? Phase { get; init; }
    public string? TicketId { get; init; }
    public string? Search { get; init; }
    public int Page { get; init; } = 1;
    public int PageSize { get; init; } = 25;
    public JobSortField SortBy { get; init; } = JobSortField.CreatedAt;
    public bool Descending { get; init; } = true;
}

public sealed record PagedResult<T>(IReadOnlyList<T> Items, int Total, int Page, int PageSize);

/// <summary>A mailbox as the API and the UI show it: never with its secrets.</summary>
public sealed record MailboxDto(
    Guid Id,
    Guid JobId,
    string SourceLogin,
    string DestinationLogin,
    string? DestinationFolderPrefix,
    MailboxStatus Status,
    string? StatusMessage,
    long? LastSourceCount,
    long? LastDestinationCount,
    DateTime? LastSyncedAtUtc,
    DateTime CreatedAtUtc,
    bool Excluded = false,
    string? ExcludedReason = null)
{
    public static MailboxDto From(Mailbox m) => new(m.Id, m.JobId, m.SourceLogin, m.DestinationLogin, m.DestinationFolderPrefix,
        m.Status, m.StatusMessage, m.LastSourceCount, m.LastDestinationCount, m.LastSyncedAtUtc, m.CreatedAtUtc, m.Excluded, m.ExcludedReason);
}

/// <summary>
/// A partial change of a mailbox: null members are left as they are. Passwords are write-only; an empty
/// <see cref="DestFolderPrefix"/> removes the prefix.
/// </summary>
public sealed record UpdateMailboxRequest
{
    public string? SourceUser { get; set; }
    public string? SourcePassword { get; set; }
    public string? DestUser { get; set; }
    public string? DestPassword { get; set; }
    public string? DestFolderPrefix { get; set; }
}

public sealed record ExcludeMailboxRequest(string? Reason);

public sealed record AddMailboxRequest
{
    public string SourceUser { get; set => field = value ?? ""; } = "";
    public string SourcePassword { get; set => field = value ?? ""; } = "";
    public string DestUser { get; set => field = value ?? ""; } = "";
    public string DestPassword { get; set => field = value ?? ""; } = "";
    public string? DestFolderPrefix { get; set; }
}
