namespace Ligbox.Tools.ImapAppend;

/// <summary>
/// The figures an <see cref="AppendPipeline{TFolder}"/> keeps for one destination folder. Callers derive their own
/// folder statistics from it; the pipeline changes them only inside <see cref="AppendPipeline{TFolder}.Update"/>.
/// </summary>
public class AppendFolderCounts
{
    /// <summary>Messages offered to the pipeline.</summary>
    public int Parsed { get; set; }

    /// <summary>Messages the server stored.</summary>
    public int Appended { get; set; }

    /// <summary>Bytes of the messages the server stored, as sent.</summary>
    public long AppendedBytes { get; set; }

    /// <summary>Already in the destination folder (same identity).</summary>
    public int Skipped { get; set; }

    /// <summary>Messages the server refused or that cannot be parsed, handed to the quarantine.</summary>
    public int Quarantined { get; set; }
}
