using System.ComponentModel.DataAnnotations;

namespace Ligbox.Core.Pst;

/// <summary>Tuning of the PST/mbox import, bound from <c>Ligbox:Pst</c>.</summary>
public sealed class PstImportOptions
{
    public const string Section = "Ligbox:Pst";

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
}
