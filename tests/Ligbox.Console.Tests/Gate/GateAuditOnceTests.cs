using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Core.Audit;
using Ligbox.Core.Gate;
using Ligbox.Testing.Dovecot;
using Microsoft.Extensions.DependencyInjection;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;

namespace Ligbox.Console.Tests.Gate;

/// <summary>
/// Issue 11: a delta after the final showed "the gate became ready" with the same figures a second time (every run
/// start stored Blocked, every run end Ready again). The gate is still shown blocked while a run is active, but
/// only a real transition is recorded, by the gate's one writer (real runs against real Dovecot).
/// </summary>
public sealed class GateAuditOnceTests(LigboxAppFactory app) : DovecotPairTest, IClassFixture<LigboxAppFactory>
{
    [Fact]
    public async Task DeltaAndFinalAfterTheGateIsReady_RecordTheTransitionOnce()
    {
        var (user, sp, dp) = NewPair(Source, Destination);
        await SeedAsync(Source, user, "INBOX", 5);
        using var api = await app.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        var jobId = await CreateJobAsync(api, Source, Destination, "audit-once.example");
        await AddMailboxAsync(api, jobId, user, sp, user, dp);
        await WaitForRunAsync(api, await StartAsync(api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" }));
        await WaitForRunAsync(api, await StartAsync(api, $"/api/migration/jobs/{jobId}/sync", new { kind = "final" }));
        var gates = app.Services.GetRequiredService<GateService>();
        await WaitForAsync(async () => (await gates.GetAsync(jobId)).State == GateState.Ready);

        await WaitForRunAsync(api, await StartAsync(api, $"/api/migration/jobs/{jobId}/sync", new { kind = "delta" }));
        await WaitForRunAsync(api, await StartAsync(api, $"/api/migration/jobs/{jobId}/sync", new { kind = "final" }));
        await WaitForAsync(async () => (await app.Services.GetRequiredService<AuditLog>().ListAsync(jobId)).Count(e => e.Action == "run.ended") == 4);
        await Task.Delay(500); // the last run's gate evaluation follows its run.ended entry

        var entries = await app.Services.GetRequiredService<AuditLog>().ListAsync(jobId);
        var gateEntries = entries.Where(e => e.Action.StartsWith("gate.", StringComparison.Ordinal)).Select(e => e.Action).ToList();
        Assert.Equal(["gate.ready"], gateEntries);
        var view = await gates.GetAsync(jobId);
        Assert.Equal(GateState.Ready, view.State);
        Assert.Single(view.Events);
        Assert.Equal("GateReady", await JobPhaseAsync(api, jobId));
    }

    [Fact]
    public async Task WhileARunIsActive_TheGateIsShownBlocked_AndTheJobStaysInItsSync()
    {
        var jobId = await GateSeed.ReadyJobAsync(app.Services, "audit-once-active.example.com");
        var gates = app.Services.GetRequiredService<GateService>();
        Assert.Equal(GateState.Ready, (await gates.GetAsync(jobId)).State);
        await GateSeed.AddQueuedRunAsync(app.Services, jobId);
        await gates.EvaluateAsync(jobId);

        var view = await gates.GetAsync(jobId);
        Assert.Equal(GateState.Blocked, view.State);
        Assert.Contains("A run is still queued or running; the counts may change.", view.Result.Reasons);
        Assert.NotEqual(Ligbox.Core.Jobs.MigrationPhase.GateReady, view.Phase);
        Assert.DoesNotContain(view.Events, e => e.Action == "gate.blocked");
        using var api = await app.CreateTokenClientAsync(Scopes.JobsRead);
        Assert.NotEqual("GateReady", await JobPhaseAsync(api, jobId));
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 30 s");
            await Task.Delay(100);
        }
    }
}
