namespace Ligbox.Tools.Readpst;

/// <summary>What kind of item readpst wrote, from the file extension.</summary>
public enum ReadpstItemKind
{
    /// <summary>An e-mail message (<c>.eml</c>).</summary>
    Email,

    /// <summary>A calendar entry (<c>.ics</c>).</summary>
    Calendar,

    /// <summary>A contact (<c>.vcf</c>).</summary>
    Contact,

    /// <summary>Anything else.</summary>
    Other,
}

/// <summary>One extracted item.</summary>
/// <param name="FullPath">Absolute path of the file.</param>
/// <param name="Folder">The PST folder path, relative to the output directory, with <c>/</c> separators (e.g. <c>Outlook/Inbox</c>).</param>
/// <param name="Kind">What it is.</param>
public sealed record ReadpstItem(string FullPath, string Folder, ReadpstItemKind Kind);

/// <summary>The outcome of one readpst extraction.</summary>
/// <param name="ExitCode">readpst's exit code (0 success, 1 any failure).</param>
/// <param name="ErrorKind">Classified failure, <see cref="ReadpstErrorKind.None"/> on success.</param>
/// <param name="ErrorMessage">Plain-words failure, or <c>null</c>.</param>
/// <param name="OutputDirectory">Where the items were written.</param>
/// <param name="Progress">Every progress event, in order.</param>
/// <param name="Items">The files written, one per item, ordered by folder then number.</param>
/// <param name="Duration">Wall-clock duration.</param>
public sealed record ReadpstResult(
    int ExitCode,
    ReadpstErrorKind ErrorKind,
    string? ErrorMessage,
    string OutputDirectory,
    IReadOnlyList<ReadpstProgress> Progress,
    IReadOnlyList<ReadpstItem> Items,
    TimeSpan Duration)
{
    /// <summary><c>true</c> when readpst succeeded.</summary>
    public bool Succeeded => ExitCode == 0 && ErrorKind == ReadpstErrorKind.None;
}
