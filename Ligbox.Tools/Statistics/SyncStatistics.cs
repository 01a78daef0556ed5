namespace Ligbox.Tools.Statistics;

/// <summary>
/// The result of one mailbox pass, in one schema whichever engine produced it (the native MailKit
/// engine, or the imapsync log parser). Persisted as JSON on a run, and read by the gate.
/// </summary>
public sealed record SyncStatistics
{
    /// <summary>Which engine produced these figures: <c>native</c>, <c>imapsync</c> or <c>doveadm</c>.</summary>
    public string Engine { get; init; } = "native";

    /// <summary>Messages copied to the destination in this pass.</summary>
    public int MessagesTransferred { get; init; }

    /// <summary>Messages found already present on the destination and not copied again.</summary>
    public int MessagesSkipped { get; init; }

    /// <summary>Per-message or per-folder errors that did not abort the pass.</summary>
    public int Errors { get; init; }

    /// <summary>Bytes of message data copied to the destination.</summary>
    public long BytesTransferred { get; init; }

    /// <summary>Wall-clock duration of the pass.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Messages transferred per second over the pass.</summary>
    public double MessagesPerSecond => Duration.TotalSeconds > 0 ? MessagesTransferred / Duration.TotalSeconds : 0;

    /// <summary>
    /// Messages on the source (all synced folders) that the pass had to bring over, when known: with a date
    /// window (<see cref="NativeImap.SyncRequest.NotBefore"/>) only those inside it; the others are
    /// <see cref="MessagesOutOfWindow"/>.
    /// </summary>
    public long? SourceMessages { get; init; }

    /// <summary>
    /// Source messages left out because they are older than the job's date window (not copied, not
    /// verified, never counted as missing); <c>null</c> when the pass had no window.
    /// </summary>
    public long? MessagesOutOfWindow { get; init; }

    /// <summary>Messages on the destination (mapped folders), when known.</summary>
    public long? DestinationMessages { get; init; }

    /// <summary>Bytes on the source, when known.</summary>
    public long? SourceBytes { get; init; }

    /// <summary>Bytes on the destination, when known.</summary>
    public long? DestinationBytes { get; init; }

    /// <summary>Source messages not found on the destination ("in host1 not in host2"), when verified.</summary>
    public int? MissingOnDestination { get; init; }

    /// <summary>Process exit code for external engines; <c>null</c> for the native engine.</summary>
    public int? ExitCode { get; init; }

    /// <summary>Plain-words meaning of <see cref="ExitCode"/> or of the failure.</summary>
    public string? ExitMeaning { get; init; }

    /// <summary>Destination messages not found on the source ("in host2 not in host1"), when verified.</summary>
    public int? MessagesOnlyOnDestination { get; init; }

    /// <summary>Messages deleted on the destination because they are gone from the source (imapsync --delete2).</summary>
    public int? MessagesDeletedOnDestination { get; init; }

    /// <summary>Bytes of messages that were already present and not copied again, when known.</summary>
    public long? BytesSkipped { get; init; }

    /// <summary>Destination minus source message count at the end of the pass (imapsync "Final difference"), when known.</summary>
    public long? FinalDifferenceMessages { get; init; }

    /// <summary>Destination minus source bytes at the end of the pass, when known.</summary>
    public long? FinalDifferenceBytes { get; init; }

    /// <summary>The message rate as the engine itself reported it, when it did (imapsync "Message rate").</summary>
    public double? ReportedMessagesPerSecond { get; init; }

    /// <summary>Per-folder figures.</summary>
    public IReadOnlyList<FolderStatistics> Folders { get; init; } = [];

    /// <summary>A capped list of source messages missing on the destination.</summary>
    public IReadOnlyList<MissingMessage> Missing { get; init; } = [];

    /// <summary>Destination messages whose flags were brought in line with the source (delta passes).</summary>
    public int FlagsUpdated { get; init; }

    /// <summary>Destination messages deleted because they were expunged on the source (mirror).</summary>
    public int MessagesDeleted { get; init; }
}

/// <summary>Figures for one source folder and the destination folder it maps to.</summary>
public sealed record FolderStatistics
{
    /// <summary>Source folder full name.</summary>
    public required string SourceFolder { get; init; }

    /// <summary>Destination folder full name.</summary>
    public string? DestinationFolder { get; init; }

    /// <summary>Messages in the source folder (inside the date window, when there is one).</summary>
    public long SourceMessages { get; init; }

    /// <summary>Messages of the source folder older than the date window, left out.</summary>
    public long OutOfWindow { get; init; }

    /// <summary>Messages in the destination folder after the pass.</summary>
    public long? DestinationMessages { get; init; }

    /// <summary>Messages copied in this pass.</summary>
    public int Transferred { get; init; }

    /// <summary>Messages already present and skipped.</summary>
    public int Skipped { get; init; }

    /// <summary>Errors in this folder.</summary>
    public int Errors { get; init; }

    /// <summary>Bytes copied in this pass.</summary>
    public long BytesTransferred { get; init; }

    /// <summary>Destination messages whose flags were updated in this pass.</summary>
    public int FlagsUpdated { get; init; }

    /// <summary>Destination messages deleted by mirror in this pass.</summary>
    public int Deleted { get; init; }
}

/// <summary>A source message that is not on the destination.</summary>
public sealed record MissingMessage(string Folder, string? MessageId, string? Subject, DateTimeOffset? Date);
