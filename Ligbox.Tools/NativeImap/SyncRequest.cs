namespace Ligbox.Tools.NativeImap;

/// <summary>What a pass does.</summary>
public enum SyncKind
{
    /// <summary>Copy everything not yet on the destination.</summary>
    Initial,

    /// <summary>Copy what is new since the last pass and bring flags up to date.</summary>
    Delta,

    /// <summary>A delta, then (optionally) mirror source expunges, then verify every message.</summary>
    Final,
}

/// <summary>One mailbox pass.</summary>
public sealed record SyncRequest
{
    /// <summary>Where mail is read.</summary>
    public required ImapEndpoint Source { get; init; }

    /// <summary>Where mail is written.</summary>
    public required ImapEndpoint Destination { get; init; }

    /// <summary>The kind of pass.</summary>
    public SyncKind Kind { get; init; } = SyncKind.Initial;

    /// <summary>
    /// On <see cref="SyncKind.Final"/>: delete from the destination the messages this engine copied whose
    /// source message was expunged. Messages found already on the destination are never deleted.
    /// </summary>
    public bool Mirror { get; init; }

    /// <summary>Verify every source message is on the destination (always on for <see cref="SyncKind.Final"/>).</summary>
    public bool Verify { get; init; }

    /// <summary>
    /// The date window: source messages whose INTERNALDATE is before this instant are not copied, not
    /// verified and not counted as missing (they are counted as out of window). <c>null</c> copies everything.
    /// </summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>Folder selection and renaming.</summary>
    public FolderMappingOptions Mapping { get; init; } = new();

    /// <summary>
    /// Most messages copied per second for this mailbox (a provider's throttling, from the job); <c>null</c> uses the
    /// engine's own setting (<see cref="NativeImapOptions.MaxMessagesPerSecond"/>, none for imapsync).
    /// </summary>
    public double? MaxMessagesPerSecond { get; init; }

    /// <summary>Most bytes copied per second for this mailbox; <c>null</c> uses the engine's own setting.</summary>
    public long? MaxBytesPerSecond { get; init; }

    /// <summary>
    /// Key of this mailbox pair in the <see cref="ISyncStateStore"/>; defaults to
    /// <c>source user@host → destination user@host</c>.
    /// </summary>
    public string? MailboxKey { get; init; }

    /// <summary>The key actually used for state.</summary>
    public string EffectiveMailboxKey =>
        MailboxKey ?? $"{Source.User}@{Source.Host}:{Source.Port}>{Destination.User}@{Destination.Host}:{Destination.Port}";
}

/// <summary>The outcome of one mailbox in <see cref="IImapSyncEngine.SyncManyAsync"/>.</summary>
/// <param name="Request">The request.</param>
/// <param name="Statistics">The figures, when the pass completed.</param>
/// <param name="Failure">The classified failure, when it did not.</param>
public sealed record MailboxSyncResult(SyncRequest Request, Statistics.SyncStatistics? Statistics, ImapFailure? Failure)
{
    /// <summary>Whether the pass completed.</summary>
    public bool Succeeded => Failure is null && Statistics is not null;
}

/// <summary>What a progress event reports.</summary>
public enum SyncProgressStage
{
    /// <summary>Connected, folders listed and mapped.</summary>
    MailboxStarted,

    /// <summary>A folder is starting.</summary>
    FolderStarted,

    /// <summary>A batch of a folder was committed.</summary>
    FolderProgress,

    /// <summary>A folder is done.</summary>
    FolderCompleted,

    /// <summary>The mailbox is done.</summary>
    MailboxCompleted,

    /// <summary>A readable log line (no figures changed).</summary>
    Log,
}

/// <summary>Progress of one mailbox pass.</summary>
public sealed record SyncProgressEvent
{
    /// <summary>The mailbox pair.</summary>
    public required string MailboxKey { get; init; }

    /// <summary>What happened.</summary>
    public required SyncProgressStage Stage { get; init; }

    /// <summary>Source folder, when the event is about one.</summary>
    public string? Folder { get; init; }

    /// <summary>Messages handled (copied or skipped) in the folder.</summary>
    public long FolderDone { get; init; }

    /// <summary>Messages in the source folder.</summary>
    public long FolderTotal { get; init; }

    /// <summary>Messages handled in the mailbox.</summary>
    public long MailboxDone { get; init; }

    /// <summary>Messages in the selected source folders.</summary>
    public long MailboxTotal { get; init; }

    /// <summary>Bytes copied in the mailbox so far.</summary>
    public long BytesTransferred { get; init; }

    /// <summary>Messages copied per second so far.</summary>
    public double MessagesPerSecond { get; init; }

    /// <summary>Estimated time left for the mailbox, when it can be estimated.</summary>
    public TimeSpan? EstimatedRemaining { get; init; }

    /// <summary>A readable line (credentials never appear).</summary>
    public string? Message { get; init; }
}
