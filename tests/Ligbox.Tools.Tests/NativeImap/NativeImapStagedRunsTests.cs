using Ligbox.Tools.NativeImap;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>
/// Issue 18: how a staged folder is cut into runs. The lanes take the next run as they finish one; when the runs were
/// not a whole number for every lane (300,000 messages over four lanes: 30 runs of 10,000), the last round left lanes
/// idle for the length of a run while the others finished.
/// </summary>
public sealed class NativeImapStagedRunsTests
{
    [Theory]
    [InlineData(300_000, 4, 2_000)]
    [InlineData(100_000, 4, 2_000)]
    [InlineData(123_457, 4, 2_000)]
    [InlineData(300_000, 3, 2_000)]
    [InlineData(50_000, 2, 2_000)]
    public void ABigFolder_IsCutIntoTheSameNumberOfRunsForEveryLane(int candidates, int lanes, int threshold)
    {
        var length = MailboxSyncRun.StagedRunLength(candidates, lanes, threshold);
        var runs = (candidates + length - 1) / length;

        Assert.InRange(length, threshold / 2, 20_000);
        Assert.True(runs % lanes == 0, $"{candidates} messages over {lanes} lanes: {runs} runs of {length}, not a whole number for every lane");
        Assert.True(runs >= 2 * lanes, $"{runs} runs for {lanes} lanes: fewer than two each");
    }

    [Fact]
    public void TheIssuesFolder_Takes16RunsOver4Lanes()
    {
        // Row 2 of the benchmark: 30 runs of 10,000 until session 30 (two lanes idle at the end for a run's length), 32 of
        // 9,375 in session 30; 16 of 18,750 since session 31 (each MOVE re-opens the 300,000-message folder: half as many
        // MOVEs copied 13-15 % faster in alternating runs).
        Assert.Equal(18_750, MailboxSyncRun.StagedRunLength(300_000, 4, 2_000));
    }

    [Theory]
    [InlineData(2_000, 4, 2_000, 1_000)]
    [InlineData(60, 4, 20, 10)]
    [InlineData(5_000, 4, 2_000, 1_000)]
    public void ASmallStagedFolder_KeepsRunsOfAtLeastHalfTheThreshold(int candidates, int lanes, int threshold, int expected)
    {
        // A MOVE opens the folder: runs shorter than half the threshold would spread that over too few messages.
        Assert.Equal(expected, MailboxSyncRun.StagedRunLength(candidates, lanes, threshold));
    }

    [Fact]
    public void AThresholdAboveTheRunMaximum_SetsTheRunLength()
    {
        Assert.Equal(25_000, MailboxSyncRun.StagedRunLength(1_000_000, 4, 50_000));
    }
}
