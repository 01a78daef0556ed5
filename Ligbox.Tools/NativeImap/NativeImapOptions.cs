using System.ComponentModel.DataAnnotations;

namespace Ligbox.Tools.NativeImap;

/// <summary>Tuning of the native engine, bound from <c>Tools:NativeImap</c>.</summary>
public sealed class NativeImapOptions
{
    /// <summary>Most connections open at once to one server (host:port), across all mailboxes.</summary>
    [Range(2, 1000)]
    public int MaxConnectionsPerServer { get; set; } = 16;

    /// <summary>
    /// Lanes of one mailbox: folders copied at the same time, each lane with its own source and destination
    /// connection (so up to this many connections to each server per mailbox). A folder's messages are appended on
    /// one connection: servers serialise appends into one folder. The extra lanes open only when a folder has
    /// something to copy and a connection slot is free.
    /// </summary>
    [Range(1, 32)]
    public int AppendConnectionsPerMailbox { get; set; } = 4;

    /// <summary>
    /// Messages the folders left in the queue must hold for each extra lane opened: an extra lane costs two logins
    /// (and the LISTs MailKit sends after each), which a mailbox of a few hundred messages never wins back, while its
    /// server spends CPU on them that the mailboxes copied beside it need. 0 opens them for any folder.
    /// </summary>
    [Range(0, 1_000_000)]
    public int MessagesPerExtraLane { get; set; } = 500;

    /// <summary>Messages per batch: appended, then recorded in the state store together.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// Most bytes of message data a mailbox holds per batch (bounds memory with large messages). Its lanes share it:
    /// each lane's batches hold at most BatchBytes / <see cref="AppendConnectionsPerMailbox"/>, and a lane holds the
    /// bodies of two batches at most (being fetched, being appended), so a mailbox holds about 2 × BatchBytes at most,
    /// with one lane or four. 8 MiB: a lane's batch still holds ~400 messages of 5 KB, and the console's memory grows by
    /// ~15 MB per mailbox synced at once instead of ~45 MB with 32 MiB (docs/sizing.md).
    /// </summary>
    [Range(1024, long.MaxValue)]
    public long BatchBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>
    /// Most messages per MULTIAPPEND command when the server supports it (1 disables it); a command never holds more
    /// than one batch (<see cref="BatchSize"/>, <see cref="BatchBytes"/>). Large by default: a server commits each
    /// command as one transaction whose cost grows with the folder (Dovecot maildir, 100,000 messages in one folder:
    /// 1,429 msg/s with 25 per command, 2,269 msg/s with 100, 2,112 msg/s with 500 and ~15 MB more peak memory).
    /// </summary>
    [Range(1, 1000)]
    public int MultiAppendSize { get; set; } = 100;

    /// <summary>
    /// A folder with at least this many messages to copy is appended over extra destination connections (up to
    /// <see cref="AppendConnectionsPerMailbox"/> for the mailbox), each into a staging folder of its own
    /// (<see cref="StagingFolderPrefix"/>), and every batch is then moved into the folder with IMAP MOVE, in the source's
    /// order; the folder's one source connection reads for all of them. A server takes one folder's appends one commit
    /// at a time (Dovecot: one process writing and fsyncing each file), while a move only links files: one big folder
    /// then copies about as fast as many small ones (docs/performance.md, sessions 27-28). Needs MOVE and UIDPLUS on the
    /// destination; without them, or with no slot free for an extra connection, the folder is appended directly. 2000
    /// by default: 300,000 messages in one folder copy about twice as fast as appended directly, and the console peaks
    /// at 244-252 MiB doing it (median 244.5 over four runs; 234 MiB appended directly; docs/performance.md, session
    /// 29). 0 turns it off.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int StagedAppendMinMessages { get; set; } = 2000;

    /// <summary>
    /// An initial pass that leaves a folder with at least this many messages looks at it once more on each side before
    /// it ends, so that the servers do then the work they would otherwise leave to the next delta. Dovecot re-reads a
    /// maildir's whole directory at its first look after a change made within a second of its last look, and opens a
    /// folder to answer STATUS when its list of folders no longer matches the folder's index: for 300,000 messages the
    /// first no-change delta after the pass paid 0.9-2.3 s for this, the next one ~40 ms. The destination's look waits
    /// until two seconds after the pass last changed the folder (the pass ends that much later, a few seconds in minutes);
    /// a delta, which a cutover waits for, never does it. 100,000 by default (below it the next delta's share is a few
    /// hundred milliseconds at most); 0 turns it off (docs/performance.md, session 35).
    /// </summary>
    [Range(0, int.MaxValue)]
    public int SettleFolderMinMessages { get; set; } = 100_000;

    /// <summary>
    /// The start of the staging folders' names (see <see cref="StagedAppendMinMessages"/>). They are created unsubscribed
    /// at the top of the destination's personal namespace, emptied into their folder as the copy goes, and deleted when
    /// the folder is done; one left behind by a killed run is deleted by the mailbox's next run (its messages were never
    /// recorded: the run copies them again).
    /// </summary>
    public const string StagingFolderPrefix = "Ligbox-staging-";

    /// <summary>
    /// Messages larger than this are spooled to a temp file instead of memory, and each starts a batch of its own.
    /// 512 KiB: a message with an attachment waits in the page cache, not in the console's heap (a 1 MB message held
    /// in memory is a large-object-heap array that lives until a full GC).
    /// </summary>
    [Range(1024, long.MaxValue)]
    public long LargeMessageBytes { get; set; } = 512L * 1024;

    /// <summary>Per-message errors tolerated in one mailbox before it is aborted.</summary>
    [Range(0, int.MaxValue)]
    public int MaxErrors { get; set; } = 50;

    /// <summary>Optional cap on messages appended per second per mailbox (0 = none).</summary>
    [Range(0, double.MaxValue)]
    public double MaxMessagesPerSecond { get; set; }

    /// <summary>Optional cap on bytes appended per second per mailbox (0 = none).</summary>
    [Range(0, double.MaxValue)]
    public double MaxBytesPerSecond { get; set; }

    /// <summary>Reconnect attempts after a dropped connection, with exponential backoff.</summary>
    [Range(0, 100)]
    public int ReconnectAttempts { get; set; } = 4;

    /// <summary>First reconnect delay; doubles each attempt.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Connect and command timeout.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Missing messages listed in <c>SyncStatistics.Missing</c> at most.</summary>
    [Range(0, 100_000)]
    public int MaxMissingListed { get; set; } = 100;

    /// <summary>
    /// Directory for per-connection IMAP protocol logs (secrets redacted by MailKit); <c>null</c> for none.
    /// </summary>
    public string? ProtocolLogDirectory { get; set; }

    /// <summary>
    /// Starts each line of the protocol logs with the time it was sent or received (<c>HH:mm:ss.ffff</c>), so the logs
    /// of a mailbox's connections show where its time went and what overlapped.
    /// </summary>
    public bool ProtocolLogTimestamps { get; set; }
}
