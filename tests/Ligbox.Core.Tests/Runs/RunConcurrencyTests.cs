using Ligbox.Testing.PostgreSql;
using Ligbox.Core.Jobs;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Core.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Core.Tests.Runs;

/// <summary>
/// Optimistic concurrency on <see cref="Run"/> (its <see cref="Run.Version"/> token) on the real SQLite file: a late
/// writer cannot overwrite a cancel, neither directly nor through the <see cref="RunPipeline"/>.
/// </summary>
public class RunConcurrencyTests : IAsyncLifetime
{
    /// <summary>Null: SQLite (the default); the <c>OnPostgreSql</c> variant runs every test again on a real PostgreSQL.</summary>
    protected virtual PostgreSqlServer? Postgres => null;

    private CoreHost _host = null!;

    public async Task InitializeAsync() => _host = await CoreHost.StartAsync(configure: b =>
        b.Services.AddSingleton<IRunHandler, CancelledMeanwhileHandler>(), postgres: Postgres);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private IDbContextFactory<LigboxDbContext> Db => _host.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>();

    private async Task<Guid> QueueRunAsync(RunKind kind)
    {
        await using var db = await Db.CreateDbContextAsync();
        var job = new MigrationJob("example.com", "", null, new ServerEndpoint { Host = "old.example.com" }, new ServerEndpoint { Host = "new.example.com" },
            SyncEngineKind.Native, new JobOptions(), "test", DateTime.UtcNow);
        db.Jobs.Add(job);
        var run = new Run(job.Id, kind, RunTrigger.Manual, "test", DateTime.UtcNow);
        db.Runs.Add(run);
        await db.SaveChangesAsync();
        return run.Id;
    }

    [Fact]
    public async Task ALateComplete_AfterACancel_IsRefused_AndTheRunStaysCancelled()
    {
        var runId = await QueueRunAsync(RunKind.Initial);
        await using (var db = await Db.CreateDbContextAsync())
        {
            (await db.Runs.SingleAsync(r => r.Id == runId)).Start(DateTime.UtcNow, "log");
            await db.SaveChangesAsync();
        }

        await using var late = await Db.CreateDbContextAsync();
        var stale = await late.Runs.SingleAsync(r => r.Id == runId);
        await using (var canceller = await Db.CreateDbContextAsync())
        {
            (await canceller.Runs.SingleAsync(r => r.Id == runId)).Cancel(DateTime.UtcNow, "tech");
            await canceller.SaveChangesAsync();
        }

        stale.Complete(DateTime.UtcNow, "{}", "done");
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => late.SaveChangesAsync());
        await using var check = await Db.CreateDbContextAsync();
        Assert.Equal(RunStatus.Cancelled, (await check.Runs.SingleAsync(r => r.Id == runId)).Status);
    }

    [Fact]
    public async Task ThePipeline_KeepsACancelWrittenMeanwhile_WhenItsHandlerThenSucceeds()
    {
        var runId = await QueueRunAsync(RunKind.Verify);

        await _host.Services.GetRequiredService<RunPipeline>().ExecuteAsync(runId, CancellationToken.None);

        await using var db = await Db.CreateDbContextAsync();
        var run = await db.Runs.SingleAsync(r => r.Id == runId);
        Assert.Equal(RunStatus.Cancelled, run.Status);
        Assert.Equal("Cancelled by another console.", run.Message);
        Assert.True(_host.Services.GetServices<IRunHandler>().OfType<CancelledMeanwhileHandler>().Single().Returned);
    }

    /// <summary>Fault injection: while it runs, another writer (a second console) cancels the run; then it reports success.</summary>
    private sealed class CancelledMeanwhileHandler(IDbContextFactory<LigboxDbContext> dbFactory) : IRunHandler
    {
        public bool Returned { get; private set; }

        public bool Handles(RunKind kind) => kind == RunKind.Verify;

        public string Describe(RunExecution run) => "a test";

        public async Task<RunOutcome> ExecuteAsync(RunExecution run, CancellationToken cancellationToken)
        {
            await using (var other = await dbFactory.CreateDbContextAsync(cancellationToken))
            {
                (await other.Runs.SingleAsync(r => r.Id == run.Run.Id, cancellationToken)).Cancel(DateTime.UtcNow, "another console");
                await other.SaveChangesAsync(cancellationToken);
            }

            Returned = true;
            return RunOutcome.Success("all done", "{}");
        }
    }
}
