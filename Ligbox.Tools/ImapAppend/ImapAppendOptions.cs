using System.ComponentModel.DataAnnotations;
using Ligbox.Tools.NativeImap;

namespace Ligbox.Tools.ImapAppend;

/// <summary>Tuning of an <see cref="AppendPipeline{TFolder}"/>: appender connections, batch bounds, spooling and timeout.</summary>
public class ImapAppendOptions
{
    /// <summary>Destination connections appending in parallel (besides the one that maps folders and reads identities).</summary>
    [Range(1, 16)]
    public int AppendConnections { get; set; } = 4;

    /// <summary>Most messages in one MULTIAPPEND command (1 = one APPEND per message).</summary>
    [Range(1, 1000)]
    public int MultiAppendSize { get; set; } = 50;

    /// <summary>Most message bytes in one MULTIAPPEND command; with the queue depth this bounds the memory held.</summary>
    [Range(64 * 1024, 1L << 30)]
    public long BatchBytes { get; set; } = 4L * 1024 * 1024;

    /// <summary>Messages larger than this wait for their APPEND in a temp file instead of memory.</summary>
    [Range(64 * 1024, 1L << 40)]
    public long LargeMessageBytes { get; set; } = 2L * 1024 * 1024;

    /// <summary>Connect, login and command timeout.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The native engine's connector sized for appending with these options: the control connection and the
    /// appenders, for an import and a quarantine retry at once.
    /// </summary>
    /// <param name="commands">Counts the IMAP commands sent (tests check the MULTIAPPEND batching with it).</param>
    public ImapConnector CreateConnector(ImapCommandCounter commands) => new(new NativeImapOptions
    {
        MaxConnectionsPerServer = Math.Max(2, 2 * (AppendConnections + 1)),
        Timeout = Timeout,
        LargeMessageBytes = LargeMessageBytes,
    }, commands);
}
