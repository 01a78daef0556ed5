using Ligbox.Core.Nodes;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Core.Tests.Infrastructure;
using Ligbox.Core.Tests.PostgreSql;
using Ligbox.Testing.PostgreSql;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using static Ligbox.Core.Tests.Nodes.NodeTestData;

namespace Ligbox.Core.Tests.Nodes;

/// <summary>
/// Several nodes on one real PostgreSQL (issue 17): a run is taken over only when its node is dead (heartbeat older
/// than the timeout, or stopped cleanly), never from a live node, and by one node only when two sweep at once.
/// The hosts are web nodes (their schedulers never start), so a run that is taken over stays queued for the asserts.
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class RunTakeoverOnPostgreSqlTests(PostgreSqlServer pg)
{
    private static Dictionary<string, string?> Node(string cs, string id, string interval = "00:05:00", string timeout = "00:15:00") => new()
    {
        ["Ligbox:Database:Provider"] = "PostgreSQL",
        ["Ligbox:Database:ConnectionString"] = cs,
        ["Ligbox:Node:Id"] = id,
        ["Ligbox:Node:Role"] = "web",
        ["Ligbox:Node:HeartbeatInterval"] = interval,
        ["Ligbox:Node:HeartbeatTimeout"] = timeout,
    };

    private static IDbContextFactory<LigboxDbContext> Db(CoreHost host) => host.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>();

    private static RunTakeover Takeover(CoreHost host) => host.Services.GetRequiredService<RunTakeover>();

    [Fact]
    public async Task ARunOfALiveNode_IsNeverTakenOver_NeitherAtStartNorBySweep()
    {
        await using var host = await CoreHost.StartAsync(Node(await pg.CreateDatabaseAsync(), "web-1"));
        await AddNodeAsync(Db(host), "worker-live", DateTime.UtcNow);
        var runId = await AddRunningRunAsync(Db(host), "worker-live");

        Assert.Equal(0, await Takeover(host).TakeOverAsync(atStartup: true, CancellationToken.None));
        Assert.Equal(0, await Takeover(host).TakeOverAsync(atStartup: false, CancellationToken.None));

        var run = await RunAsync(Db(host), runId);
        Assert.Equal(RunStatus.Running, run.Status);
        Assert.Equal("worker-live", run.NodeId);
        Assert.Equal(0, await ResumedEntriesAsync(Db(host), runId));
    }

    [Fact]
    public async Task ARunOfANodeWithAStaleHeartbeat_IsQueuedAgainByThisNode_ForRecovery()
    {
        await using var host = await CoreHost.StartAsync(Node(await pg.CreateDatabaseAsync(), "web-1"));
        await AddNodeAsync(Db(host), "worker-dead", DateTime.UtcNow.AddHours(-1));
        var runId = await AddRunningRunAsync(Db(host), "worker-dead");

        Assert.Equal(1, await Takeover(host).TakeOverAsync(atStartup: false, CancellationToken.None));

        var run = await RunAsync(Db(host), runId);
        Assert.Equal(RunStatus.Resuming, run.Status);
        Assert.Equal(RunTrigger.Recovery, run.Trigger);
        Assert.Equal("web-1", run.NodeId);
        Assert.Contains("Node worker-dead stopped answering", run.Message, StringComparison.Ordinal);
        Assert.Equal(1, await ResumedEntriesAsync(Db(host), runId));
        // Queued again on the clustered scheduler, where any worker picks it up.
        var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        Assert.NotNull(await scheduler.GetJobDetail(new JobKey(runId.ToString("N"), "runs")));
    }

    [Fact]
    public async Task ARunOfACleanlyStoppedNode_IsTakenOverAtOnce()
    {
        await using var host = await CoreHost.StartAsync(Node(await pg.CreateDatabaseAsync(), "web-1"));
        await AddNodeAsync(Db(host), "worker-stopped", DateTime.UtcNow, stopped: true);
        var runId = await AddRunningRunAsync(Db(host), "worker-stopped");

        Assert.Equal(1, await Takeover(host).TakeOverAsync(atStartup: false, CancellationToken.None));
        Assert.Equal(RunStatus.Resuming, (await RunAsync(Db(host), runId)).Status);
    }

    [Fact]
    public async Task AtStart_ANodeTakesBackItsOwnRuns_AndRunsOfNoNode_ButNotThoseOfALiveNode()
    {
        var cs = await pg.CreateDatabaseAsync();
        Guid own, none, live;
        await using (var first = await CoreHost.StartAsync(Node(cs, "web-0")))
        {
            await AddNodeAsync(Db(first), "worker-live", DateTime.UtcNow.AddMinutes(1));
            own = await AddRunningRunAsync(Db(first), "web-1");
            none = await AddRunningRunAsync(Db(first), null);
            live = await AddRunningRunAsync(Db(first), "worker-live");
        }

        // web-1 (re)starts: the start-up recovery runs as part of its start.
        await using var host = await CoreHost.StartAsync(Node(cs, "web-1"));
        Assert.Equal(RunStatus.Resuming, (await RunAsync(Db(host), own)).Status);
        Assert.Equal(RunStatus.Resuming, (await RunAsync(Db(host), none)).Status);
        Assert.Equal("web-1", (await RunAsync(Db(host), none)).NodeId);
        Assert.Equal(RunStatus.Running, (await RunAsync(Db(host), live)).Status);
    }

    [Fact]
    public async Task TwoNodesSweepingAtOnce_TakeTheRunOverOnce()
    {
        var cs = await pg.CreateDatabaseAsync();
        await using var a = await CoreHost.StartAsync(Node(cs, "web-a"));
        await using var b = await CoreHost.StartAsync(Node(cs, "web-b"));
        var runs = new List<Guid>();
        await AddNodeAsync(Db(a), "worker-dead", DateTime.UtcNow.AddHours(-1));
        for (var i = 0; i < 5; i++)
        {
            runs.Add(await AddRunningRunAsync(Db(a), "worker-dead"));
        }

        var taken = await Task.WhenAll(Takeover(a).TakeOverAsync(false, CancellationToken.None), Takeover(b).TakeOverAsync(false, CancellationToken.None));

        Assert.Equal(5, taken.Sum());
        foreach (var runId in runs)
        {
            var run = await RunAsync(Db(a), runId);
            Assert.Equal(RunStatus.Resuming, run.Status);
            Assert.Contains(run.NodeId, new[] { "web-a", "web-b" });
            Assert.Equal(1, await ResumedEntriesAsync(Db(a), runId));
        }
    }

    [Fact]
    public async Task TheHeartbeatSweep_TakesOverARunOfADeadNode_WithoutBeingAsked()
    {
        await using var host = await CoreHost.StartAsync(Node(await pg.CreateDatabaseAsync(), "web-1", interval: "00:00:00.5", timeout: "00:00:02"));
        await AddNodeAsync(Db(host), "worker-dead", DateTime.UtcNow.AddMinutes(-1));
        var runId = await AddRunningRunAsync(Db(host), "worker-dead");

        var deadline = DateTime.UtcNow.AddSeconds(60);
        Run run;
        while ((run = await RunAsync(Db(host), runId)).Status == RunStatus.Running && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Equal(RunStatus.Resuming, run.Status);
        Assert.Equal("web-1", run.NodeId);
        // The sweeping node's own heartbeat is alive and written by it.
        await using var scope = host.Scope();
        var nodes = await host.Get<NodeService>(scope).ListAsync();
        var self = Assert.Single(nodes, n => n.Id == "web-1");
        Assert.True(self.Alive);
        Assert.True(self.IsThisNode);
        Assert.Equal(NodeRole.Web, self.Role);
        Assert.Equal(0, self.MaxConcurrentRuns); // a web node executes no runs
        Assert.False(Assert.Single(nodes, n => n.Id == "worker-dead").Alive);
    }
}
