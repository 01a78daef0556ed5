using Ligbox.Testing.PostgreSql;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Core.Tests.Infrastructure;
using Ligbox.Tools.Engines;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Statistics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ligbox.Core.Tests.Runs;

/// <summary>
/// A final pass is "verified" only when the engine verified (MissingOnDestination known and 0): the pipeline with a
/// stand-in imapsync engine (fault injection: it reports the figures a real imapsync log gave) on the real database.
/// </summary>
public class FinalVerificationTests : IAsyncLifetime
{
    /// <summary>Null: SQLite (the default); the <c>OnPostgreSql</c> variant runs every test again on a real PostgreSQL.</summary>
    protected virtual PostgreSqlServer? Postgres => null;

    private readonly ReportingEngine _engine = new();
    private CoreHost _host = null!;

    public async Task InitializeAsync() => _host = await CoreHost.StartAsync(configure: b =>
    {
        b.Services.RemoveAll<IMigrationEngine>();
        b.Services.AddSingleton<IMigrationEngine>(_engine);
    }, postgres: Postgres);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData(38, false)]
    [InlineData(null, false)]
    [InlineData(0, true)]
    public async Task AFinal_IsVerified_OnlyWhenNothingIsMissingAndTheEngineVerified(int? missing, bool verified)
    {
        _engine.Missing = missing;
        var (jobId, runId) = await FinalRunAsync();

        await _host.Services.GetRequiredService<RunPipeline>().ExecuteAsync(runId, CancellationToken.None);

        await using var db = await _host.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>().CreateDbContextAsync();
        var run = await db.Runs.SingleAsync(r => r.Id == runId);
        var job = await db.Jobs.SingleAsync(j => j.Id == jobId);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(verified, run.Message!.Contains("every message verified", StringComparison.Ordinal));
        if (missing is not null)
        {
            // With the engine's figures known, the gate's evaluation after the run agrees with the pass.
            Assert.Equal(verified ? MigrationPhase.GateReady : MigrationPhase.FinalSync, job.Phase);
        }
        var row = await db.Set<RunMailbox>().SingleAsync(m => m.RunId == runId);
        switch (missing)
        {
            case null:
                Assert.Contains("not verified: the imapsync engine did not verify the destination", run.Message, StringComparison.Ordinal);
                break;
            case > 0:
                Assert.Contains("missing on the destination: 38 (INBOX/Quarterly report, Sent/<lost@example.com> and 36 more)", run.Message, StringComparison.Ordinal);
                Assert.Contains("missing on the destination: 38", row.Message, StringComparison.Ordinal);
                break;
        }
    }

    private async Task<(Guid JobId, Guid RunId)> FinalRunAsync()
    {
        await using var scope = _host.Scope();
        var job = await _host.Get<JobService>(scope).CreateAsync(new CreateJobRequest
        {
            Domain = $"v{Guid.NewGuid():N}"[..10] + ".example.com",
            Source = new ServerEndpointModel { Host = "imap.old.example.com" },
            Destination = new ServerEndpointModel { Host = "imap.new.example.com" },
            Engine = SyncEngineKind.Imapsync,
        }, "test");
        var mailbox = await _host.Get<MailboxService>(scope).AddAsync(job.Id, new AddMailboxRequest
        {
            SourceUser = "ana@old.example.com", SourcePassword = "s", DestUser = "ana@new.example.com", DestPassword = "d",
        }, "test");
        await using var db = await _host.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>().CreateDbContextAsync();
        var entity = await db.Jobs.SingleAsync(j => j.Id == job.Id);
        foreach (var phase in new[] { MigrationPhase.Preflight, MigrationPhase.Syncing, MigrationPhase.FinalSync })
        {
            if (MigrationJob.CanMoveTo(entity.Phase, phase))
            {
                entity.MoveTo(phase, DateTime.UtcNow);
            }
        }

        Assert.Equal(MigrationPhase.FinalSync, entity.Phase);
        var run = new Run(job.Id, RunKind.Final, RunTrigger.Manual, "test", DateTime.UtcNow);
        db.Runs.Add(run);
        db.Add(new RunMailbox(run.Id, mailbox.Id, mailbox.SourceLogin));
        await db.SaveChangesAsync();
        return (job.Id, run.Id);
    }

    /// <summary>Stands in for imapsync: a completed final pass with the verification figures it is told to report.</summary>
    private sealed class ReportingEngine : IMigrationEngine
    {
        public int? Missing { get; set; }

        public EngineKind Kind => EngineKind.Imapsync;

        public string? UnavailableReason() => null;

        public Task<PreflightResult> PreflightAsync(EngineRunContext context, SyncRequest request, IProgress<SyncProgressEvent>? progress, CancellationToken cancellationToken) =>
            Task.FromResult(new PreflightResult { Engine = "imapsync", LoginsOnly = true });

        public Task<MailboxSyncResult> SyncAsync(EngineRunContext context, SyncRequest request, IProgress<SyncProgressEvent>? progress, CancellationToken cancellationToken) =>
            Task.FromResult(new MailboxSyncResult(request, new SyncStatistics
            {
                Engine = "imapsync",
                MessagesTransferred = 0,
                MessagesSkipped = 609 - (Missing ?? 0),
                SourceMessages = 609,
                DestinationMessages = 609 - (Missing ?? 0),
                MissingOnDestination = Missing,
                Missing = Missing > 0
                    ? [new MissingMessage("INBOX", "<q@example.com>", "Quarterly report", null), new MissingMessage("Sent", "<lost@example.com>", null, null)]
                    : [],
            }, null));
    }
}
