using Ligbox.Tools.ImapAppend;
using Ligbox.Tools.NativeImap;

namespace Ligbox.Core.Pst;

/// <summary>What an import reads.</summary>
public enum PstSourceKind
{
    /// <summary>An Outlook PST/OST, extracted with readpst.</summary>
    Pst,

    /// <summary>A Unix mbox, streamed with MimeKit.</summary>
    Mbox,

    /// <summary>A Zimbra TGZ export (<c>zmmailbox getRestURL "//?fmt=tgz"</c>), streamed (Ligbox.Core/Zimbra).</summary>
    ZimbraTgz,
}

/// <summary>One import to execute.</summary>
/// <param name="SourcePath">The PST/OST/mbox file.</param>
/// <param name="SourceName">The name the user gave the file (decides mbox vs PST by extension and names an mbox's folder).</param>
/// <param name="Destination">The destination IMAP account.</param>
/// <param name="WorkDirectory">Where readpst extracts (deleted afterwards).</param>
/// <param name="QuarantineDirectory">Where rejected messages go.</param>
/// <param name="RootFolder">Ordinary folders go under this destination folder; <c>null</c> for the top level.</param>
/// <param name="OnReadpstLine">Receives each line readpst prints, as it prints it (the run's live log).</param>
/// <param name="OtherItemsPath">Where the contacts (vCard) and calendar entries (iCalendar) readpst extracts are kept as one zip; <c>null</c> to only count them.</param>
public sealed record PstImportRequest(
    string SourcePath,
    string SourceName,
    ImapEndpoint Destination,
    string WorkDirectory,
    string QuarantineDirectory,
    string? RootFolder,
    Action<string>? OnReadpstLine = null,
    string? OtherItemsPath = null);

/// <summary>Counts for one source folder (parsed, appended, skipped and quarantined are counted by the append pipeline).</summary>
public sealed class PstFolderStatistics : AppendFolderCounts
{
    public required string Source { get; init; }
    public string Destination { get; set; } = "";

    /// <summary>Items readpst wrote for this folder (messages, calendar entries, contacts).</summary>
    public int Extracted { get; set; }

    /// <summary>Calendar entries and contacts: not e-mail, not imported.</summary>
    public int NotMail { get; set; }

    /// <summary>The destination folder's STATUS MESSAGES after the import.</summary>
    public int? DestinationMessages { get; set; }
}

/// <summary>The statistics stored on a PST run (<c>Run.StatisticsJson</c>).</summary>
public sealed class PstImportStatistics
{
    public string Engine { get; init; } = "pst";
    public PstSourceKind SourceKind { get; set; }
    public string SourceName { get; set; } = "";
    public long SourceBytes { get; set; }
    public string? RootFolder { get; set; }

    /// <summary>"extracting", "importing", "done".</summary>
    public string Phase { get; set; } = "starting";

    /// <summary>readpst's own "N items done, M skipped" lines, by PST folder name.</summary>
    public List<ReadpstFolderReport> Readpst { get; init; } = [];
    public List<PstFolderStatistics> Folders { get; init; } = [];
    public int Appended => Folders.Sum(f => f.Appended);
    public int Skipped => Folders.Sum(f => f.Skipped);
    public int Quarantined => Folders.Sum(f => f.Quarantined);
    public int Parsed => Folders.Sum(f => f.Parsed);

    /// <summary>
    /// Items that are not mail, by type ("contact", "appointment", "task", "document", ...): never appended,
    /// never dropped silently; a Zimbra import offers them for download (<see cref="OtherItemsArchive"/>).
    /// </summary>
    public Dictionary<string, int> OtherItems { get; init; } = [];

    /// <summary>The file name of the archive holding <see cref="OtherItems"/> (vCard, iCalendar, files), when there is one.</summary>
    public string? OtherItemsArchive { get; set; }

    /// <summary>Source bytes read so far (a TGZ is streamed: its progress is in bytes).</summary>
    public long BytesRead { get; set; }
}

/// <summary>One readpst completion line.</summary>
public sealed record ReadpstFolderReport(string Folder, int ItemsDone, int ItemsSkipped);

/// <summary>One quarantined message (a line of <c>quarantine.jsonl</c>).</summary>
/// <param name="Number">1-based; the file is <c>{Number}.eml</c>.</param>
/// <param name="SourceFolder">The PST/mbox folder it came from.</param>
/// <param name="DestinationFolder">Where it was to be appended.</param>
/// <param name="Subject">Its subject, when it could be parsed.</param>
/// <param name="Reason">Why it is here (parse error, server response).</param>
/// <param name="AtUtc">When.</param>
public sealed record QuarantineEntry(int Number, string SourceFolder, string DestinationFolder, string? Subject, string Reason, DateTime AtUtc);

/// <summary>The import cannot go on (not a PST, readpst failed, cannot log in); the run fails with this message.</summary>
public sealed class PstImportException(string message, Exception? inner = null) : Exception(message, inner);
