using System.Globalization;
using System.Text.RegularExpressions;

namespace Ligbox.Tools.Readpst;

/// <summary>What a readpst progress line says.</summary>
public enum ReadpstProgressKind
{
    /// <summary><c>Processing Folder "Inbox"</c>.</summary>
    FolderStarted,

    /// <summary><c>"Inbox" - 9 items done, 2 items skipped.</c></summary>
    FolderCompleted,
}

/// <summary>One progress event from readpst.</summary>
/// <param name="Kind">Started or completed.</param>
/// <param name="Folder">The PST folder's display name (not its path: readpst prints names only).</param>
/// <param name="ItemsDone">Items written (completed events only). Counts sub-folders of the folder too.</param>
/// <param name="ItemsSkipped">Items readpst could not or would not convert (completed events only).</param>
public sealed record ReadpstProgress(ReadpstProgressKind Kind, string Folder, int ItemsDone = 0, int ItemsSkipped = 0);

/// <summary>Pure parser for readpst 0.6.x progress lines on stdout.</summary>
/// <remarks>
/// readpst prints a completion line only for folders that had items, and prints the completion of
/// a parent after its sub-folders (so "Inbox" completes after "SubInbox" started).
/// </remarks>
public static partial class ReadpstProgressParser
{
    [GeneratedRegex("""^Processing Folder "(?<folder>.*)"\s*$""")]
    private static partial Regex Started();

    [GeneratedRegex("""^\s*"(?<folder>.*)" - (?<done>\d+) items done, (?<skipped>\d+) items skipped\.\s*$""")]
    private static partial Regex Completed();

    /// <summary>Parses one line; <c>null</c> when it is not a progress line.</summary>
    public static ReadpstProgress? Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var started = Started().Match(line);
        if (started.Success)
        {
            return new ReadpstProgress(ReadpstProgressKind.FolderStarted, started.Groups["folder"].Value);
        }

        var completed = Completed().Match(line);
        if (completed.Success)
        {
            return new ReadpstProgress(
                ReadpstProgressKind.FolderCompleted,
                completed.Groups["folder"].Value,
                int.Parse(completed.Groups["done"].Value, CultureInfo.InvariantCulture),
                int.Parse(completed.Groups["skipped"].Value, CultureInfo.InvariantCulture));
        }

        return null;
    }
}
