using Ligbox.Tools.Imapsync;
using Ligbox.Tools.Statistics;
using Ligbox.Tools.Tests.Support;

namespace Ligbox.Tools.Tests.Imapsync;

public class ImapsyncLogParserTests
{
    // The figures each real imapsync 2.229 log prints (see Resources/imapsync/README.md).
    private sealed record Expected(
        int ExitCode, string ExitName, int Transferred, int Skipped, int Errors, long Bytes, long? BytesSkipped,
        double Seconds, double? Rate, long? SourceMessages, long? DestinationMessages, long? SourceBytes, long? DestinationBytes,
        int? MissingOnDestination, int? OnlyOnDestination, int? DeletedOnDestination, long? FinalDiffMessages, long? FinalDiffBytes,
        bool HasStatisticsBlock);

    private static readonly Dictionary<string, Expected> Logs = new()
    {
        ["full-sync.log"] = new(0, "EX_OK: successful termination", 500, 0, 0, 5111866, 0, 1.1, 447.5, 500, 500, 5111866, 5111866, 0, 0, 0, 0, 0, true),
        ["delta-sync.log"] = new(0, "EX_OK: successful termination", 0, 500, 0, 0, 5111866, 0.3, 0.0, 500, 500, 5111866, 5111866, 0, 0, 0, 0, 0, true),
        ["change-sync.log"] = new(0, "EX_OK: successful termination", 40, 480, 0, 6360, 5003200, 0.4, 113.3, 520, 540, 5009560, 5118226, 0, 20, 0, 20, 108666, true),
        ["change-sync-delete2.log"] = new(0, "EX_OK: successful termination", 0, 520, 0, 0, 5009560, 0.3, 0.0, 520, 520, 5009560, 5009560, 0, 20, 20, 0, 0, true),
        ["justlogin-ok.log"] = new(0, "EX_OK: successful termination", 0, 0, 0, 0, null, 0, null, null, null, null, null, null, null, null, null, null, false),
        ["justlogin-badpass.log"] = new(162, "EXIT_AUTHENTICATION_FAILURE_USER2", 0, 0, 1, 0, null, 0, null, null, null, null, null, null, null, null, null, null, false),
        ["unreachable-host1.log"] = new(101, "EXIT_CONNECTION_FAILURE_HOST1", 0, 0, 1, 0, null, 0, null, null, null, null, null, null, null, null, null, null, false),
        // Aborted at --errorsmax 50 before the statistics block: figures come from the copy lines and the exit line.
        ["overquota-sync.log"] = new(113, "EXIT_OVERQUOTA", 104, 0, 50, 1047982, null, 0, null, 520, null, 5009560, null, null, null, null, null, null, false),
        ["overquota-sync-noerrorsmax.log"] = new(113, "EXIT_OVERQUOTA", 3, 104, 414, 495, 1047982, 1.0, 3.0, 520, 107, 5009560, 1048477, 413, 0, 0, -413, -3961083, true),
        // imapsync says "0 in host1 not in host2" and exits 0, but lost messages: the per-folder shortfall counts them.
        ["loss-no-wanted-headers.log"] = new(0, "EX_OK: successful termination", 2, 3, 0, 106, 219, 2.6, 0.8, 5, 2, 325, 106, 3, 0, 0, -3, -219, true),
        ["loss-duplicate-message-id.log"] = new(0, "EX_OK: successful termination", 2, 1, 0, 110, 0, 2.2, 0.9, 3, 2, 171, 110, 1, 0, 0, -1, -61, true),
        ["perf-20000-tail.stdout"] = new(0, "EX_OK: successful termination", 20500, 1500, 0, 103369560, 0, 41.2, 497.0, 22000, 20500, 110931240, 103369560, 0, 0, 0, -1500, -7561680, true),
    };

    private static (SyncStatistics Stats, ImapsyncLogParser Parser) ParseLog(string name)
    {
        var parser = new ImapsyncLogParser();
        foreach (var line in File.ReadLines(TestPaths.ImapsyncLog(name)))
        {
            parser.Feed(line);
        }

        return (parser.GetStatistics(), parser);
    }

    [Fact]
    public void HasExpectations_ForEveryRealLogInResources()
    {
        var files = Directory.GetFiles(TestPaths.Resource("imapsync"))
            .Select(Path.GetFileName)
            .Where(name => name != "README.md")
            .Order()
            .ToList();

        Assert.Equal(12, files.Count);
        Assert.Equal(Logs.Keys.Order(), files);
    }

    [Theory]
    [InlineData("full-sync.log")]
    [InlineData("delta-sync.log")]
    [InlineData("change-sync.log")]
    [InlineData("change-sync-delete2.log")]
    [InlineData("justlogin-ok.log")]
    [InlineData("justlogin-badpass.log")]
    [InlineData("unreachable-host1.log")]
    [InlineData("overquota-sync.log")]
    [InlineData("overquota-sync-noerrorsmax.log")]
    [InlineData("perf-20000-tail.stdout")]
    [InlineData("loss-no-wanted-headers.log")]
    [InlineData("loss-duplicate-message-id.log")]
    public void ReportsTheLogsRealFigures_WhenFedARealLog(string name)
    {
        var expected = Logs[name];
        var (stats, parser) = ParseLog(name);

        Assert.Equal("imapsync", stats.Engine);
        Assert.Equal(expected.ExitCode, stats.ExitCode);
        Assert.Equal(expected.ExitName, parser.ExitName);
        Assert.Equal(ImapsyncExitCodes.Describe(expected.ExitCode).Meaning, stats.ExitMeaning);
        Assert.Equal(expected.Transferred, stats.MessagesTransferred);
        Assert.Equal(expected.Skipped, stats.MessagesSkipped);
        Assert.Equal(expected.Errors, stats.Errors);
        Assert.Equal(expected.Bytes, stats.BytesTransferred);
        Assert.Equal(expected.BytesSkipped, stats.BytesSkipped);
        Assert.Equal(TimeSpan.FromSeconds(expected.Seconds), stats.Duration);
        Assert.Equal(expected.Rate, stats.ReportedMessagesPerSecond);
        Assert.Equal(expected.SourceMessages, stats.SourceMessages);
        Assert.Equal(expected.DestinationMessages, stats.DestinationMessages);
        Assert.Equal(expected.SourceBytes, stats.SourceBytes);
        Assert.Equal(expected.DestinationBytes, stats.DestinationBytes);
        Assert.Equal(expected.MissingOnDestination, stats.MissingOnDestination);
        Assert.Equal(expected.OnlyOnDestination, stats.MessagesOnlyOnDestination);
        Assert.Equal(expected.DeletedOnDestination, stats.MessagesDeletedOnDestination);
        Assert.Equal(expected.FinalDiffMessages, stats.FinalDifferenceMessages);
        Assert.Equal(expected.FinalDiffBytes, stats.FinalDifferenceBytes);
        Assert.Equal(expected.HasStatisticsBlock, parser.HasStatisticsBlock);
    }

    [Fact]
    public void ReportsPerFolderFigures_WhenFedTheFullSyncLog()
    {
        var (stats, _) = ParseLog("full-sync.log");

        var folders = stats.Folders.ToDictionary(f => f.SourceFolder);
        Assert.Equal(["Archive.2020", "INBOX", "Sent", "Work", "Work/Projects"], folders.Keys.Order());
        foreach (var (name, count) in new[] { ("INBOX", 150), ("Sent", 100), ("Work", 100), ("Work/Projects", 80), ("Archive.2020", 70) })
        {
            Assert.Equal(name, folders[name].DestinationFolder);
            Assert.Equal(count, folders[name].SourceMessages);
            Assert.Equal(count, folders[name].DestinationMessages);
            Assert.Equal(count, folders[name].Transferred);
            Assert.Equal(0, folders[name].Errors);
        }

        Assert.Equal(stats.BytesTransferred, stats.Folders.Sum(f => f.BytesTransferred));
    }

    [Fact]
    public void CountsFailedAppendsPerFolder_WhenAbortedOverQuota()
    {
        var (stats, parser) = ParseLog("overquota-sync.log");

        Assert.Equal(50, stats.Folders.Sum(f => f.Errors));
        Assert.Equal(104, stats.Folders.Sum(f => f.Transferred));
        Assert.Equal(70, stats.Folders.Single(f => f.SourceFolder == "Archive.2020").Transferred);
        Assert.StartsWith("ERR_OVERQUOTA.", parser.MostFrequentError);
    }

    [Fact]
    public void ReportsFiguresSoFar_WhenStoppedMidRun()
    {
        var lines = File.ReadLines(TestPaths.ImapsyncLog("full-sync.log")).ToList();
        var half = lines.FindIndex(line => line.StartsWith("msg Sent/1 ", StringComparison.Ordinal));

        var stats = ImapsyncLogParser.Parse(lines.Take(half));

        Assert.Equal(220, stats.MessagesTransferred); // Archive.2020 (70) and INBOX (150) were done.
        Assert.Null(stats.ExitCode);
    }

    [Fact]
    public void NamesTheMessagesImapsyncIgnored_ByFolderAndUid()
    {
        var (stats, _) = ParseLog("loss-no-wanted-headers.log");

        Assert.Equal(3, stats.MissingOnDestination);
        Assert.Equal(["INBOX", "INBOX", "INBOX"], stats.Missing.Select(m => m.Folder));
        Assert.Contains("source UID 1, 73 bytes", stats.Missing[0].Subject, StringComparison.Ordinal);
        Assert.Equal((5L, 2L), (stats.Folders.Single().SourceMessages, stats.Folders.Single().DestinationMessages!.Value));
    }

    [Fact]
    public void PairsHost2FolderSizes_WithTheHost1FolderOfTheSameIndex_WhenNamesDiffer()
    {
        var stats = ImapsyncLogParser.Parse([
            "Folders sizes after the synchronization.",
            "Host1 folder     1/2 [INBOX]                             Size:       325 Messages:     5 Biggest:        73",
            "Host1 folder     2/2 [Sent Items]                        Size:       325 Messages:     4 Biggest:        73",
            "Host2 folder     1/2 [INBOX]                             Size:       325 Messages:     5 Biggest:        73",
            "Host2 folder     2/2 [Sent]                              Size:       106 Messages:     1 Biggest:        53",
        ]);

        Assert.Equal(["INBOX", "Sent Items"], stats.Folders.Select(f => f.SourceFolder));
        Assert.Equal(1, stats.Folders[1].DestinationMessages);
        Assert.Equal(3, stats.MissingOnDestination);
    }

    [Theory]
    [InlineData("Transfer time                           : 12.5 sec", 12.5)]
    [InlineData("Transfer time                           : 0.0 sec", 0.0)]
    public void ParsesTransferTime_WhenInStatisticsBlock(string line, double seconds)
    {
        var stats = ImapsyncLogParser.Parse(["++++ Statistics", line]);

        Assert.Equal(TimeSpan.FromSeconds(seconds), stats.Duration);
    }

    [Fact]
    public void IgnoresKeyValueLines_WhenOutsideStatisticsBlock()
    {
        var stats = ImapsyncLogParser.Parse(["Messages transferred                    : 99"]);

        Assert.Equal(0, stats.MessagesTransferred);
    }
}
