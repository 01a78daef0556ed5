using Ligbox.Core.Audit;
using Ligbox.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Runs;

/// <summary>
/// At start-up (after the migrations): runs the previous process left <c>Running</c> are marked
/// <c>Interrupted</c> and, with <c>Ligbox:Runs:AutoResume</c>, scheduled again. The native engine's state store
/// makes the resumed pass skip what was already copied; an imapsync pass is simply run again from the start,
/// which is safe because imapsync is idempotent (it skips messages already on the destination).
/// </summary>
internal sealed class RunRecoveryService(IDbContextFactory<LigboxDbContext> dbFactory, RunScheduler scheduler, AuditLog audit,
    IOptions<RunsOptions> options, ILogger<RunRecoveryService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var running = await db.Runs.Where(r => r.Status == RunStatus.Running).ToListAsync(cancellationToken);
        foreach (var run in running)
        {
            run.Interrupt("The console stopped during the run.");
        }

        await db.SaveChangesAsync(cancellationToken);
        if (!options.Value.AutoResume)
        {
            return;
        }

        var interrupted = await db.Runs.Where(r => r.Status == RunStatus.Interrupted).ToListAsync(cancellationToken);
        foreach (var run in interrupted)
        {
            logger.LogInformation("Resuming interrupted run {RunId} ({Kind}) of job {JobId}", run.Id, run.Kind, run.JobId);
            audit.Add(db, "system", "run.resumed", "run", run.Id, new { kind = run.Kind.ToString() }, run.JobId);
            await scheduler.ScheduleAsync(run.Id, cancellationToken);
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
