using Ligbox.Tools.Statistics;

namespace Ligbox.Tools.Tests.Statistics;

public class SyncStatisticsTests
{
    [Theory]
    [InlineData(100, 10, 10.0)]
    [InlineData(0, 10, 0.0)]
    [InlineData(100, 0, 0.0)]
    public void MessagesPerSecond_IsTransferredOverDuration(int transferred, int seconds, double expected)
    {
        var stats = new SyncStatistics { MessagesTransferred = transferred, Duration = TimeSpan.FromSeconds(seconds) };
        Assert.Equal(expected, stats.MessagesPerSecond, 3);
    }
}
