using System.Globalization;
using System.Text.RegularExpressions;
using Ligbox.Tools.Statistics;

namespace Ligbox.Tools.Imapsync;

/// <summary>
/// Turns imapsync's console output or log file (2.x) into <see cref="SyncStatistics"/>. Pure and
/// line-fed: call <see cref="Feed"/> for each line as it arrives, and <see cref="GetStatistics"/>
/// at any time (during a run it gives the figures so far). Not thread-safe.
/// </summary>
/// <remarks>
/// The "++++ Statistics" block is authoritative. When a run aborts before printing it (for example
/// over quota with the default --errorsmax 50), transferred messages and bytes are counted from the
/// per-message "copied to" lines and errors taken from the exit line, so a failed run still reports
/// how far it got.
/// <para>
/// imapsync's own "Messages found in host1 not in host2" misses what it never tried: messages it ignored
/// ("no wanted headers", i.e. neither Message-Id nor Received) and duplicates on host1 (same header key,
/// copied once). <see cref="SyncStatistics.MissingOnDestination"/> is therefore the larger of that count
/// and the per-folder shortfall of the final size listing (host1 messages minus host2 messages, per folder
/// pair), and the ignored messages are named in <see cref="SyncStatistics.Missing"/> by folder and UID.
/// </para>
/// </remarks>
public sealed partial class ImapsyncLogParser
{
    private readonly Dictionary<string, FolderAccumulator> _folders = new(StringComparer.Ordinal);
    private readonly List<string> _folderOrder = [];
    private bool _inStatistics;
    private bool _sizesBeforeHeader;
    private bool _sizesAfterHeader;

    private int _copiedMessages;
    private long _copiedBytes;
    private int _errorLines;

    private int? _transferred;
    private int? _skipped;
    private long? _bytesTransferred;
    private long? _bytesSkipped;
    private TimeSpan? _duration;
    private double? _rate;
    private int? _missingOnHost2;
    private int? _onlyOnHost2;
    private int? _deletedOnHost2;
    private long? _finalDiffMessages;
    private long? _finalDiffBytes;
    private int? _detectedErrors;
    private int? _exitErrors;
    private int? _exitCode;
    private string? _exitName;
    private long? _host1MessagesBefore;
    private long? _host1MessagesAfter;
    private long? _host2MessagesAfter;
    private long? _host1BytesBefore;
    private long? _host1BytesAfter;
    private long? _host2BytesAfter;
    private string? _lastErrorSummary;
    private readonly Dictionary<string, string> _host1FolderByIndex = new(StringComparer.Ordinal);
    private readonly List<MissingMessage> _ignored = [];
    private int _ignoredCount;
    private const int MaxMissingListed = 200;

    /// <summary><c>true</c> once the "++++ Statistics" block has been seen.</summary>
    public bool HasStatisticsBlock { get; private set; }

    /// <summary>imapsync's own name for its exit status, e.g. <c>EXIT_OVERQUOTA</c>, once the exit line was seen.</summary>
    public string? ExitName => _exitName;

    /// <summary>imapsync's "The most frequent error is ..." advice, when it printed one.</summary>
    public string? MostFrequentError => _lastErrorSummary;

    /// <summary>
    /// 1 or 2 when the TLS certificate of host1 or host2 was refused ("Host1 failure: ... certificate verify failed"),
    /// otherwise <c>null</c>.
    /// </summary>
    public int? CertificateRefusedOnHost { get; private set; }

    [GeneratedRegex(@"^(?<key>[A-Za-z][^:]*?)\s*:\s*(?<value>.*?)\s*$")]
    private static partial Regex KeyValue();

    [GeneratedRegex(@"^Exiting with return value (?<code>\d+) \((?<name>[^)]*)\)(?:\s+(?<errors>\d+)/(?<max>\d+) nb_errors/max_errors)?")]
    private static partial Regex ExitLine();

    [GeneratedRegex(@"^Host1: (?<folder>.+)/(?<uid>\d+) size (?<size>\d+) ignored \(no wanted headers")]
    private static partial Regex IgnoredNoHeaders();

    [GeneratedRegex(@"^Detected (?<n>\d+) errors")]
    private static partial Regex DetectedErrors();

    [GeneratedRegex(@"^Host(?<host>[12]) Nb messages:\s+(?<n>\d+) messages")]
    private static partial Regex NbMessages();

    [GeneratedRegex(@"^Host(?<host>[12]) Total size:\s+(?<n>\d+) bytes")]
    private static partial Regex TotalSize();

    [GeneratedRegex(@"^Host(?<host>[12]) folder\s+(?<index>\d+)/\d+ \[(?<folder>.*)\]\s+(?:Size:\s+(?<size>\d+) Messages:\s+(?<n>\d+)|does not exist)")]
    private static partial Regex FolderSize();

    [GeneratedRegex(@"^Folder\s+\d+/\d+ \[(?<src>.*)\]\s+-> \[(?<dst>.*)\]")]
    private static partial Regex FolderMapping();

    [GeneratedRegex(@"^msg (?<folder>.+)/\d+ \{(?<size>\d+)\}\s+copied to ")]
    private static partial Regex Copied();

    [GeneratedRegex(@"^- msg (?<folder>.+)/\d+ \{\d+\} could not")]
    private static partial Regex MessageError();

    [GeneratedRegex(@"^(?<n>-?\d+) messages, (?<bytes>-?\d+) bytes")]
    private static partial Regex Difference();

    [GeneratedRegex(@"^-?\d+")]
    private static partial Regex LeadingInteger();

    [GeneratedRegex(@"^(?<n>\d+(?:\.\d+)?)")]
    private static partial Regex LeadingNumber();

    /// <summary>Parses a whole log at once.</summary>
    /// <param name="lines">The log lines.</param>
    /// <returns>The statistics.</returns>
    public static SyncStatistics Parse(IEnumerable<string> lines)
    {
        var parser = new ImapsyncLogParser();
        foreach (var line in lines)
        {
            parser.Feed(line);
        }

        return parser.GetStatistics();
    }

    /// <summary>Consumes one line of imapsync output (without its line terminator).</summary>
    public void Feed(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        line = line.TrimEnd('\r');
        if (CertificateRefusedOnHost is null && line.Contains("certificate verify failed", StringComparison.Ordinal)
            && (line.StartsWith("Host1 failure:", StringComparison.Ordinal) || line.StartsWith("Host2 failure:", StringComparison.Ordinal)))
        {
            CertificateRefusedOnHost = line[4] - '0';
        }

        if (line.StartsWith("msg ", StringComparison.Ordinal))
        {
            var copied = Copied().Match(line);
            if (copied.Success)
            {
                var size = long.Parse(copied.Groups["size"].Value, CultureInfo.InvariantCulture);
                _copiedMessages++;
                _copiedBytes += size;
                var folder = Folder(copied.Groups["folder"].Value);
                folder.Transferred++;
                folder.BytesTransferred += size;
            }

            return;
        }

        if (line.StartsWith("- msg ", StringComparison.Ordinal))
        {
            var error = MessageError().Match(line);
            if (error.Success)
            {
                _errorLines++;
                Folder(error.Groups["folder"].Value).Errors++;
            }

            return;
        }

        if (line.StartsWith("++++ ", StringComparison.Ordinal))
        {
            _inStatistics = line.StartsWith("++++ Statistics", StringComparison.Ordinal);
            HasStatisticsBlock |= _inStatistics;
            return;
        }

        if (line.StartsWith("Folders sizes before the synchronization", StringComparison.Ordinal))
        {
            _sizesBeforeHeader = true;
            return;
        }

        if (line.StartsWith("Folders sizes after the synchronization", StringComparison.Ordinal))
        {
            _sizesAfterHeader = true;
            return;
        }

        if (line.StartsWith("Exiting with return value", StringComparison.Ordinal))
        {
            var exit = ExitLine().Match(line);
            if (exit.Success)
            {
                _exitCode = int.Parse(exit.Groups["code"].Value, CultureInfo.InvariantCulture);
                _exitName = exit.Groups["name"].Value;
                if (exit.Groups["errors"].Success)
                {
                    _exitErrors = int.Parse(exit.Groups["errors"].Value, CultureInfo.InvariantCulture);
                }
            }

            return;
        }

        if (line.StartsWith("The most frequent error is ", StringComparison.Ordinal))
        {
            _lastErrorSummary = line["The most frequent error is ".Length..];
            return;
        }

        if (line.StartsWith("Host", StringComparison.Ordinal))
        {
            FeedHostLine(line);
            return;
        }

        if (line.StartsWith("Folder ", StringComparison.Ordinal))
        {
            var mapping = FolderMapping().Match(line);
            if (mapping.Success)
            {
                Folder(mapping.Groups["src"].Value).Destination = mapping.Groups["dst"].Value;
            }

            return;
        }

        if (_inStatistics)
        {
            FeedStatisticsLine(line);
        }
    }

    // A size listing is the final one after its header, or when no "before" header was seen at all
    // (the tail of a log, as kept for long runs, starts in the final listing).
    private bool SizesAfter => _sizesAfterHeader || !_sizesBeforeHeader;

    /// <summary>The statistics from the lines fed so far.</summary>
    public SyncStatistics GetStatistics()
    {
        var transferred = _transferred ?? _copiedMessages;
        var errors = _detectedErrors ?? _exitErrors ?? _errorLines;
        var exit = _exitCode is { } code ? ImapsyncExitCodes.Describe(code) : null;
        return new SyncStatistics
        {
            Engine = "imapsync",
            MessagesTransferred = transferred,
            MessagesSkipped = _skipped ?? 0,
            Errors = errors,
            BytesTransferred = _bytesTransferred ?? _copiedBytes,
            BytesSkipped = _bytesSkipped,
            Duration = _duration ?? TimeSpan.Zero,
            ReportedMessagesPerSecond = _rate,
            SourceMessages = _host1MessagesAfter ?? _host1MessagesBefore,
            DestinationMessages = _host2MessagesAfter,
            SourceBytes = _host1BytesAfter ?? _host1BytesBefore,
            DestinationBytes = _host2BytesAfter,
            MissingOnDestination = Missing(),
            Missing = _ignored,
            MessagesOnlyOnDestination = _onlyOnHost2,
            MessagesDeletedOnDestination = _deletedOnHost2,
            FinalDifferenceMessages = _finalDiffMessages,
            FinalDifferenceBytes = _finalDiffBytes,
            ExitCode = _exitCode,
            ExitMeaning = exit?.Meaning,
            Folders = _folderOrder.Select(name => _folders[name].ToStatistics(name, SizesAfter)).ToList(),
        };
    }

    /// <summary>
    /// The larger of imapsync's "in host1 not in host2" and the shortfall of the final size listing (see the
    /// remarks); <c>null</c> when imapsync reported neither.
    /// </summary>
    private int? Missing()
    {
        int? shortfall = _sizesAfterHeader
            ? (int)_folderOrder.Select(name => _folders[name]).Where(f => f.DestinationMessagesAfter is not null)
                .Sum(f => Math.Max(0, f.SourceMessages - f.DestinationMessagesAfter!.Value))
            : null;
        if (_missingOnHost2 is null && shortfall is null)
        {
            return _ignoredCount > 0 ? _ignoredCount : null;
        }

        return Math.Max(Math.Max(_missingOnHost2 ?? 0, shortfall ?? 0), _ignoredCount);
    }

    private void FeedHostLine(string line)
    {
        var ignored = IgnoredNoHeaders().Match(line);
        if (ignored.Success)
        {
            _ignoredCount++;
            if (_ignored.Count < MaxMissingListed)
            {
                _ignored.Add(new MissingMessage(ignored.Groups["folder"].Value, null,
                    $"(source UID {ignored.Groups["uid"].Value}, {ignored.Groups["size"].Value} bytes: ignored by imapsync, it has neither a Message-Id nor a Received header)", null));
            }

            return;
        }

        var folderSize = FolderSize().Match(line);
        if (folderSize.Success)
        {
            // Host2 lines name the destination folder: pair them with the host1 folder of the same index.
            var index = folderSize.Groups["index"].Value;
            var name = folderSize.Groups["folder"].Value;
            if (folderSize.Groups["host"].Value == "1")
            {
                _host1FolderByIndex[index] = name;
            }
            else if (_host1FolderByIndex.TryGetValue(index, out var sourceName))
            {
                name = sourceName;
            }

            var folder = Folder(name);
            var exists = folderSize.Groups["n"].Success;
            var messages = exists ? long.Parse(folderSize.Groups["n"].Value, CultureInfo.InvariantCulture) : 0;
            if (folderSize.Groups["host"].Value == "1")
            {
                folder.SourceMessages = messages;
            }
            else if (SizesAfter)
            {
                folder.DestinationMessagesAfter = messages;
            }

            return;
        }

        var nb = NbMessages().Match(line);
        if (nb.Success)
        {
            var n = long.Parse(nb.Groups["n"].Value, CultureInfo.InvariantCulture);
            if (nb.Groups["host"].Value == "1")
            {
                if (SizesAfter) { _host1MessagesAfter = n; } else { _host1MessagesBefore = n; }
            }
            else if (SizesAfter)
            {
                _host2MessagesAfter = n;
            }

            return;
        }

        var size = TotalSize().Match(line);
        if (size.Success)
        {
            var n = long.Parse(size.Groups["n"].Value, CultureInfo.InvariantCulture);
            if (size.Groups["host"].Value == "1")
            {
                if (SizesAfter) { _host1BytesAfter = n; } else { _host1BytesBefore = n; }
            }
            else if (SizesAfter)
            {
                _host2BytesAfter = n;
            }
        }
    }

    private void FeedStatisticsLine(string line)
    {
        var detected = DetectedErrors().Match(line);
        if (detected.Success)
        {
            _detectedErrors = int.Parse(detected.Groups["n"].Value, CultureInfo.InvariantCulture);
            return;
        }

        var pair = KeyValue().Match(line);
        if (!pair.Success)
        {
            return;
        }

        var value = pair.Groups["value"].Value;
        switch (pair.Groups["key"].Value)
        {
            case "Transfer time":
                _duration = LeadingDouble(value) is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
                break;
            case "Messages transferred":
                _transferred = (int?)LeadingLong(value);
                break;
            case "Messages skipped":
                _skipped = (int?)LeadingLong(value);
                break;
            case "Messages found in host1 not in host2":
                _missingOnHost2 = (int?)LeadingLong(value);
                break;
            case "Messages found in host2 not in host1":
                _onlyOnHost2 = (int?)LeadingLong(value);
                break;
            case "Messages deleted on host2":
                _deletedOnHost2 = (int?)LeadingLong(value);
                break;
            case "Total bytes transferred":
                _bytesTransferred = LeadingLong(value);
                break;
            case "Total bytes skipped":
                _bytesSkipped = LeadingLong(value);
                break;
            case "Message rate":
                _rate = LeadingDouble(value);
                break;
            case "Final difference host2 - host1":
                var difference = Difference().Match(value);
                if (difference.Success)
                {
                    _finalDiffMessages = long.Parse(difference.Groups["n"].Value, CultureInfo.InvariantCulture);
                    _finalDiffBytes = long.Parse(difference.Groups["bytes"].Value, CultureInfo.InvariantCulture);
                }

                break;
        }
    }

    private FolderAccumulator Folder(string name)
    {
        if (!_folders.TryGetValue(name, out var folder))
        {
            folder = new FolderAccumulator();
            _folders[name] = folder;
            _folderOrder.Add(name);
        }

        return folder;
    }

    private static long? LeadingLong(string value)
    {
        var match = LeadingInteger().Match(value);
        return match.Success ? long.Parse(match.Value, CultureInfo.InvariantCulture) : null;
    }

    private static double? LeadingDouble(string value)
    {
        var match = LeadingNumber().Match(value);
        return match.Success ? double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture) : null;
    }

    private sealed class FolderAccumulator
    {
        public string? Destination { get; set; }

        public long SourceMessages { get; set; }

        public long? DestinationMessagesAfter { get; set; }

        public int Transferred { get; set; }

        public int Errors { get; set; }

        public long BytesTransferred { get; set; }

        public FolderStatistics ToStatistics(string name, bool sizesAfter) => new()
        {
            SourceFolder = name,
            DestinationFolder = Destination,
            SourceMessages = SourceMessages,
            DestinationMessages = sizesAfter ? DestinationMessagesAfter : null,
            Transferred = Transferred,
            Errors = Errors,
            BytesTransferred = BytesTransferred,
        };
    }
}
