namespace Ligbox.Tools.NativeImap;

/// <summary>IMAP extensions relevant to a migration that a server announced.</summary>
public sealed record ImapServerCapabilities
{
    /// <summary>IDLE.</summary>
    public bool Idle { get; init; }

    /// <summary>CONDSTORE (cheap flag deltas).</summary>
    public bool CondStore { get; init; }

    /// <summary>QRESYNC.</summary>
    public bool QResync { get; init; }

    /// <summary>SPECIAL-USE (folder roles).</summary>
    public bool SpecialUse { get; init; }

    /// <summary>UIDPLUS (APPENDUID: the engine learns destination UIDs).</summary>
    public bool UidPlus { get; init; }

    /// <summary>MOVE.</summary>
    public bool Move { get; init; }

    /// <summary>MULTIAPPEND (several messages per APPEND).</summary>
    public bool MultiAppend { get; init; }

    /// <summary>QUOTA.</summary>
    public bool Quota { get; init; }

    /// <summary>Every capability token as announced.</summary>
    public IReadOnlyList<string> Raw { get; init; } = [];
}

/// <summary>A source folder as found by pre-flight.</summary>
/// <param name="Name">Full name.</param>
/// <param name="Role">Its role (special-use or well-known name).</param>
/// <param name="Messages">Message count.</param>
/// <param name="Bytes">Total size in bytes.</param>
public sealed record PreflightFolder(string Name, FolderRole Role, long Messages, long Bytes);

/// <summary>Destination quota (QUOTA extension) and whether the source fits.</summary>
/// <param name="LimitBytes">Storage limit, when the server reports one.</param>
/// <param name="UsedBytes">Storage in use, when reported.</param>
/// <param name="RequiredBytes">Bytes of the selected source folders.</param>
public sealed record DestinationQuota(long? LimitBytes, long? UsedBytes, long RequiredBytes)
{
    /// <summary>Whether the source mailbox fits in what is left (true when there is no limit).</summary>
    public bool Fits => LimitBytes is null || RequiredBytes <= LimitBytes - (UsedBytes ?? 0);
}

/// <summary>The result of <see cref="IImapSyncEngine.PreflightAsync"/>.</summary>
public sealed record PreflightResult
{
    /// <summary>Whether both sides connected and logged in and the mailbox fits.</summary>
    public bool Succeeded => Failures.Count == 0;

    /// <summary>Source capabilities, when it connected.</summary>
    public ImapServerCapabilities? SourceCapabilities { get; init; }

    /// <summary>Destination capabilities, when it connected.</summary>
    public ImapServerCapabilities? DestinationCapabilities { get; init; }

    /// <summary>Source folders with counts and sizes.</summary>
    public IReadOnlyList<PreflightFolder> Folders { get; init; } = [];

    /// <summary>Destination quota, when the destination connected.</summary>
    public DestinationQuota? Quota { get; init; }

    /// <summary>Classified problems (one per side at most, plus over quota).</summary>
    public IReadOnlyList<ImapFailure> Failures { get; init; } = [];

    /// <summary>Which engine checked: <c>native</c>, <c>imapsync</c>, <c>doveadm</c>.</summary>
    public string Engine { get; init; } = "native";

    /// <summary>
    /// Whether the engine checked only that it can log in on both sides (no folder counts or quota, which
    /// are then empty rather than zero).
    /// </summary>
    public bool LoginsOnly { get; init; }

    /// <summary>Process exit code for external engines; <c>null</c> for the native engine.</summary>
    public int? ExitCode { get; init; }

    /// <summary>Plain-words meaning of <see cref="ExitCode"/>.</summary>
    public string? ExitMeaning { get; init; }
}

/// <summary>One line of a dry-run plan.</summary>
/// <param name="Mapping">Source → destination folder.</param>
/// <param name="SourceMessages">Messages in the source folder.</param>
/// <param name="SourceBytes">Bytes in the source folder (when the server reports STATUS SIZE).</param>
/// <param name="DestinationMessages">Messages already in the destination folder (0 if it does not exist).</param>
/// <param name="AlreadySynced">Messages the state store says were already copied or matched.</param>
public sealed record PlannedFolder(FolderMapping Mapping, long SourceMessages, long? SourceBytes, long DestinationMessages, long AlreadySynced)
{
    /// <summary>Messages the next pass is expected to copy, at most.</summary>
    public long ToCopy => Math.Max(0, SourceMessages - AlreadySynced);
}

/// <summary>The result of <see cref="IImapSyncEngine.PlanAsync"/>: what a pass would do, nothing written.</summary>
public sealed record SyncPlan(IReadOnlyList<PlannedFolder> Folders)
{
    /// <summary>Messages on the source in the selected folders.</summary>
    public long SourceMessages => Folders.Sum(f => f.SourceMessages);

    /// <summary>Messages expected to be copied, at most.</summary>
    public long ToCopy => Folders.Sum(f => f.ToCopy);
}
