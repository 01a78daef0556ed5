using Ligbox.Testing.PostgreSql;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Core.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Core.Tests.Runs;

/// <summary>
/// <see cref="RunService"/>'s "a run is already active" rule on the real SQLite file: a run waiting to resume after a
/// restart (<see cref="RunStatus.Resuming"/>) keeps its mailboxes busy like a queued or running one.
/// </summary>
public class RunServiceActiveRunTests : IAsyncLifetime
{
    /// <summary>Null: SQLite (the default); the <c>OnPostgreSql</c> variant runs every test again on a real PostgreSQL.</summary>
    protected virtual PostgreSqlServer? Postgres => null;

    private CoreHost _host = null!;

    public async Task InitializeAsync() => _host = await CoreHost.StartAsync(postgres: Postgres);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private IDbContextFactory<LigboxDbContext> Db => _host.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>();

    /// <summary>A job with one mailbox whose initial sync succeeded, and a delta of that mailbox left in <paramref name="status"/>.</summary>
    private async Task<Guid> JobWithADeltaAsync(RunStatus status)
    {
        await using var db = await Db.CreateDbContextAsync();
        var job = new MigrationJob("example.com", "", null, new ServerEndpoint { Host = "old.example.com" }, new ServerEndpoint { Host = "new.example.com" },
            SyncEngineKind.Native, new JobOptions(), "test", DateTime.UtcNow);
        db.Jobs.Add(job);
        var mailbox = new Mailbox(job.Id, "ana@example.com", "x", "ana@example.com", "y", null, DateTime.UtcNow);
        db.Add(mailbox);
        var initial = new Run(job.Id, RunKind.Initial, RunTrigger.Manual, "test", DateTime.UtcNow.AddHours(-1));
        var initialRow = new RunMailbox(initial.Id, mailbox.Id, mailbox.SourceLogin);
        initial.Start(DateTime.UtcNow.AddHours(-1), "log");
        initialRow.MarkRunning();
        initialRow.Close(RunStatus.Succeeded);
        initial.Complete(DateTime.UtcNow.AddMinutes(-50), "{}", "done");
        var delta = new Run(job.Id, RunKind.Delta, RunTrigger.Manual, "test", DateTime.UtcNow.AddMinutes(-5));
        var deltaRow = new RunMailbox(delta.Id, mailbox.Id, mailbox.SourceLogin);
        delta.Start(DateTime.UtcNow.AddMinutes(-5), "log");
        deltaRow.MarkRunning();
        switch (status)
        {
            case RunStatus.Resuming:
                // What start-up recovery writes for a run a restart cut off.
                delta.MarkResuming("The console stopped during the run; it is queued again and continues where it stopped.");
                break;
            case RunStatus.Succeeded:
                deltaRow.Close(RunStatus.Succeeded);
                delta.Complete(DateTime.UtcNow, "{}", "done");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(status));
        }

        db.Runs.AddRange(initial, delta);
        db.AddRange(initialRow, deltaRow);
        await db.SaveChangesAsync();
        return job.Id;
    }

    [Fact]
    public async Task EveryKindIsRefused_WhileARunOfTheMailboxIsWaitingToResume()
    {
        var jobId = await JobWithADeltaAsync(RunStatus.Resuming);
        await using var scope = _host.Scope();

        var decisions = await _host.Get<RunService>(scope).GetStartDecisionsAsync(jobId);

        Assert.All(decisions, d =>
        {
            Assert.False(d.Value.Allowed, $"{d.Key} was allowed while a run is resuming");
            Assert.Contains("already active for ana@example.com", d.Value.Reason, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task ADeltaIsAllowedAgain_OnceTheEarlierRunHasEnded()
    {
        var jobId = await JobWithADeltaAsync(RunStatus.Succeeded);
        await using var scope = _host.Scope();

        var decisions = await _host.Get<RunService>(scope).GetStartDecisionsAsync(jobId);

        Assert.True(decisions[RunKind.Delta].Allowed, decisions[RunKind.Delta].Reason);
    }
}
