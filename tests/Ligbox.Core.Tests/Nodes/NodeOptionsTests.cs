using Ligbox.Core.Nodes;

namespace Ligbox.Core.Tests.Nodes;

public sealed class NodeOptionsTests
{
    [Fact]
    public void TheDefaults_HaveNoProblem_OnEitherDatabase()
    {
        Assert.Empty(new NodeOptions().Problems(postgreSql: false));
        Assert.Empty(new NodeOptions().Problems(postgreSql: true));
        Assert.Equal(TimeSpan.FromSeconds(2), new NodeOptions().QueuePollInterval);
    }

    [Theory]
    [InlineData(0.5, true)]
    [InlineData(1, false)]
    [InlineData(60, false)]
    [InlineData(61, true)]
    public void QueuePollInterval_OutsideOneSecondToOneMinute_IsAProblemInWords(double seconds, bool problem)
    {
        var problems = new NodeOptions { QueuePollInterval = TimeSpan.FromSeconds(seconds) }.Problems(postgreSql: true).ToList();
        Assert.Equal(problem, problems.Any(p => p.Contains("Ligbox:Node:QueuePollInterval must be between 00:00:01 and 00:01:00", StringComparison.Ordinal)));
    }

    [Fact]
    public void AWorkerOnSqlite_AndAShortTimeout_AreProblems()
    {
        var problems = new NodeOptions { Role = NodeRole.Worker, HeartbeatInterval = TimeSpan.FromSeconds(5), HeartbeatTimeout = TimeSpan.FromSeconds(10) }
            .Problems(postgreSql: false).ToList();
        Assert.Contains(problems, p => p.StartsWith("Ligbox:Node:Role is worker", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Ligbox:Node:HeartbeatTimeout must be at least three", StringComparison.Ordinal));
    }
}
