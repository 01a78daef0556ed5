using Ligbox.Tools.Imapsync;
using Ligbox.Tools.Tests.Support;

namespace Ligbox.Tools.Tests.Imapsync;

public class ImapsyncProgressTests
{
    [Fact]
    public void ReadsDoneTotalRateFolderAndBytes_WhenFedAPerMessageLine()
    {
        var p = ImapsyncProgress.TryParse(
            "msg Archive.2020/2 {5365}            copied to Archive.2020/2          138.96 msgs/s  440.779 KiB/s 6.344 KiB copied ETA: Wednesday 25 November 2026-11-25 13:52:07 +0000 UTC  4 s  498/500 msgs left");

        Assert.NotNull(p);
        Assert.Equal(2, p.Done);
        Assert.Equal(500, p.Total);
        Assert.Equal(138.96, p.MessagesPerSecond);
        Assert.Equal("Archive.2020", p.Folder);
        Assert.Equal(6496, p.BytesCopied);
        Assert.Equal(TimeSpan.FromSeconds(4), p.Remaining);
    }

    [Fact]
    public void ReadsDoneAndTotal_WhenFedAFolderLoopEtaLine()
    {
        var p = ImapsyncProgress.TryParse("ETA: Wednesday 25 November 2026-11-25 13:52:16 +0000 UTC  4 s  450/520 msgs left");

        Assert.Equal(new ImapsyncProgress(70, 520, TimeSpan.FromSeconds(4), null, null, null), p);
    }

    [Theory]
    [InlineData("Host1 Nb messages:                  500 messages")]
    [InlineData("Messages transferred                    : 500 ")]
    [InlineData("++++ Statistics")]
    [InlineData("")]
    public void ReturnsNull_WhenTheLineIsNoProgressLine(string line) => Assert.Null(ImapsyncProgress.TryParse(line));

    [Theory]
    [InlineData("full-sync.log", 500, 500)]
    [InlineData("change-sync.log", 520, 520)]
    [InlineData("overquota-sync.log", 520, 108)]
    public void FollowsTheRunToItsLastFigures_WhenFedARealLog(string log, long total, long lastDone)
    {
        var seen = File.ReadLines(TestPaths.ImapsyncLog(log)).Select(ImapsyncProgress.TryParse).OfType<ImapsyncProgress>().ToList();

        Assert.NotEmpty(seen);
        Assert.All(seen, p => Assert.Equal(total, p.Total));
        Assert.Equal(lastDone, seen.Max(p => p.Done));
        // Figures only grow while imapsync loops over the folders.
        Assert.Equal(seen.Select(p => p.Done).Order(), seen.Select(p => p.Done));
    }
}
