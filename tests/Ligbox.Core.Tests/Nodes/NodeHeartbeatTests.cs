using Ligbox.Core.Nodes;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Core.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Ligbox.Core.Tests.Nodes.NodeTestData;

namespace Ligbox.Core.Tests.Nodes;

/// <summary>
/// The node heartbeat on the real SQLite file (issue 17), and that one console on SQLite keeps its single-node
/// recovery: at start it takes over every run left active, whatever node id it carries; there is no sweep.
/// </summary>
public sealed class NodeHeartbeatTests
{
    private static IDbContextFactory<LigboxDbContext> Db(CoreHost host) => host.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>();

    [Fact]
    public async Task TheNodeWritesItsHeartbeat_EveryInterval_AndIsMarkedStoppedAtACleanStop()
    {
        var host = await CoreHost.StartAsync(new Dictionary<string, string?> { ["Ligbox:Node:Id"] = "node-a", ["Ligbox:Node:HeartbeatInterval"] = "00:00:00.3" });
        var db = Db(host);
        ConsoleNode first;
        await using (var ctx = await db.CreateDbContextAsync())
        {
            first = await ctx.Nodes.AsNoTracking().SingleAsync();
        }

        Assert.Equal("node-a", first.Id);
        Assert.Equal(NodeRole.All, first.Role);
        Assert.Equal(Environment.MachineName, first.Host);
        Assert.Null(first.StoppedAtUtc);
        Assert.Equal(host.Services.GetRequiredService<NodeIdentity>().InstanceId, first.InstanceId);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        DateTime latest;
        do
        {
            await Task.Delay(200);
            await using var ctx = await db.CreateDbContextAsync();
            latest = await ctx.Nodes.AsNoTracking().Select(n => n.HeartbeatAtUtc).SingleAsync();
        }
        while (latest == first.HeartbeatAtUtc && DateTime.UtcNow < deadline);

        Assert.True(latest > first.HeartbeatAtUtc, "the heartbeat was not written again");

        await host.StopAsync();
        try
        {
            await using var ctx = await db.CreateDbContextAsync();
            var stopped = await ctx.Nodes.AsNoTracking().SingleAsync();
            Assert.NotNull(stopped.StoppedAtUtc);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task OnSqlite_TheStartUpRecovery_TakesEveryActiveRun_EvenOneCarryingAnotherLiveNodesId()
    {
        await using var host = await CoreHost.StartAsync(new Dictionary<string, string?> { ["Ligbox:Node:Id"] = "node-a" });
        await AddNodeAsync(Db(host), "node-b", DateTime.UtcNow.AddMinutes(1));
        var runId = await AddRunningRunAsync(Db(host), "node-b");
        var takeover = host.Services.GetRequiredService<RunTakeover>();

        Assert.Equal(0, await takeover.TakeOverAsync(atStartup: false, CancellationToken.None)); // no sweep on SQLite
        Assert.Equal(1, await takeover.TakeOverAsync(atStartup: true, CancellationToken.None));

        Assert.Equal(1, await ResumedEntriesAsync(Db(host), runId));
        Assert.Equal(RunTrigger.Recovery, (await RunAsync(Db(host), runId)).Trigger);
    }

    [Theory]
    [InlineData("web")]
    [InlineData("worker")]
    public async Task ARoleOtherThanAll_OnSqlite_StopsTheStart_InPlainWords(string role)
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => CoreHost.StartAsync(new Dictionary<string, string?> { ["Ligbox:Node:Role"] = role }));
        Assert.Contains($"Ligbox:Node:Role is {role}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("PostgreSQL", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AHeartbeatTimeoutShorterThanThreeIntervals_StopsTheStart()
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => CoreHost.StartAsync(new Dictionary<string, string?>
        {
            ["Ligbox:Node:HeartbeatInterval"] = "00:00:05",
            ["Ligbox:Node:HeartbeatTimeout"] = "00:00:10",
        }));
        Assert.Contains("Ligbox:Node:HeartbeatTimeout", ex.Message, StringComparison.Ordinal);
    }
}
