using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Core.Security;
using Ligbox.Core.Tests.Infrastructure;
using Ligbox.Core.Tests.PostgreSql;
using Ligbox.Testing.PostgreSql;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static Ligbox.Core.Tests.Nodes.NodeTestData;

namespace Ligbox.Core.Tests.Nodes;

/// <summary>
/// Fencing (issue 17) on a real PostgreSQL: a node executing a run stops it at its next heartbeat when the run is no
/// longer its own — taken over by another node (it then writes nothing over the other node's state) or cancelled
/// through another node. The run's work is a handler that blocks until it is cancelled (the real pipeline around it).
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class RunFencingOnPostgreSqlTests(PostgreSqlServer pg)
{
    private sealed class BlockingHandler : IRunHandler
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Handles(RunKind kind) => true;

        public string Describe(RunExecution run) => "a handler that waits to be stopped";

        public async Task<RunOutcome> ExecuteAsync(RunExecution run, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            finally
            {
                Stopped.TrySetResult();
            }

            return RunOutcome.Success("never", null);
        }
    }

    private static async Task<(CoreHost Host, BlockingHandler Handler, Guid RunId)> StartARunAsync(PostgreSqlServer pg)
    {
        var handler = new BlockingHandler();
        var host = await CoreHost.StartAsync(new Dictionary<string, string?>
        {
            ["Ligbox:Database:Provider"] = "PostgreSQL",
            ["Ligbox:Database:ConnectionString"] = await pg.CreateDatabaseAsync(),
            ["Ligbox:Node:Id"] = "worker-a",
            ["Ligbox:Node:Role"] = "worker",
            ["Ligbox:Node:HeartbeatInterval"] = "00:00:00.5",
            ["Ligbox:Node:HeartbeatTimeout"] = "00:00:30",
        }, b =>
        {
            b.Services.RemoveAll<IRunHandler>();
            b.Services.AddSingleton<IRunHandler>(handler);
        });
        var dbFactory = host.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>();
        var protector = host.Services.GetRequiredService<SecretProtector>();
        Guid runId;
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            var job = new MigrationJob($"f{Guid.NewGuid():N}"[..10] + ".example.com", "", null, new ServerEndpoint { Host = "127.0.0.1", Port = 1 },
                new ServerEndpoint { Host = "127.0.0.1", Port = 1 }, SyncEngineKind.Native, new JobOptions(), "test", DateTime.UtcNow);
            db.Jobs.Add(job);
            var mailbox = new Mailbox(job.Id, "ana@example.com", protector.Protect("x"), "ana@example.com", protector.Protect("y"), null, DateTime.UtcNow);
            db.Add(mailbox);
            var run = new Run(job.Id, RunKind.Initial, RunTrigger.Manual, "test", DateTime.UtcNow);
            db.Runs.Add(run);
            db.Add(new RunMailbox(run.Id, mailbox.Id, mailbox.SourceLogin));
            await db.SaveChangesAsync();
            runId = run.Id;
        }

        await host.Services.GetRequiredService<RunScheduler>().ScheduleAsync(runId);
        await handler.Started.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var started = await RunAsync(dbFactory, runId);
        Assert.Equal(RunStatus.Running, started.Status);
        Assert.Equal("worker-a", started.NodeId);
        return (host, handler, runId);
    }

    [Fact]
    public async Task ARunTakenOverByAnotherNode_IsStoppedHere_AndNothingIsWrittenOverTheOtherNodesState()
    {
        var (host, handler, runId) = await StartARunAsync(pg);
        await using var _ = host;
        var dbFactory = host.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>();

        // What worker-b (alive, so worker-a's own sweep leaves the run to it) writes when it takes the run over while
        // worker-a's heartbeat looked stale.
        await AddNodeAsync(dbFactory, "worker-b", DateTime.UtcNow.AddMinutes(1));
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            var run = await db.Runs.SingleAsync(r => r.Id == runId);
            run.MarkResuming("Node worker-a stopped answering during the run; node worker-b queued it again.", "worker-b");
            await db.SaveChangesAsync();
        }

        await handler.Stopped.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(1500); // whatever the stopped pipeline would still write

        var after = await RunAsync(dbFactory, runId);
        Assert.Equal(RunStatus.Resuming, after.Status);
        Assert.Equal("worker-b", after.NodeId);
        Assert.Null(after.EndedAtUtc);
        await using var check = await dbFactory.CreateDbContextAsync();
        var id = runId.ToString();
        Assert.False(await check.AuditEntries.AnyAsync(a => a.Action == "run.ended" && a.EntityId == id));
    }

    [Fact]
    public async Task ARunCancelledThroughAnotherNode_IsStoppedHere_AndStaysCancelled()
    {
        var (host, handler, runId) = await StartARunAsync(pg);
        await using var _ = host;
        var dbFactory = host.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>();

        // What RunService.CancelAsync writes on a web node, which does not execute the run.
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            var run = await db.Runs.SingleAsync(r => r.Id == runId);
            run.Cancel(DateTime.UtcNow, "lead@example.com");
            foreach (var item in await db.Set<RunMailbox>().Where(m => m.RunId == runId).ToListAsync())
            {
                item.Close(RunStatus.Cancelled);
            }

            await db.SaveChangesAsync();
        }

        await handler.Stopped.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(1500);

        var after = await RunAsync(dbFactory, runId);
        Assert.Equal(RunStatus.Cancelled, after.Status);
        Assert.Equal("Cancelled by lead@example.com.", after.Message);
    }
}
