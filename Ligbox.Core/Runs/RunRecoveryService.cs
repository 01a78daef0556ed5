using Ligbox.Core.Audit;
using Ligbox.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Runs;

/// <summary>
/// At start-up (after the migrations), for every kind of run: runs the previous process left <c>Running</c>
/// (killed) or <c>Interrupted</c> (stopped) are, with <c>Ligbox:Runs:AutoResume</c>, marked
/// <see cref="RunStatus.Resuming"/> with the trigger <see cref="RunTrigger.Recovery"/> and queued again on
/// Quartz; without it they are marked <c>Interrupted</c> and wait for a technician to start a new run or
/// cancel them. A resumed pass skips what was already copied: the native engine through its state store,
/// imapsync and imports because they skip messages already on the destination.
/// </summary>
internal sealed class RunRecoveryService(IDbContextFactory<LigboxDbContext> dbFactory, RunScheduler scheduler, AuditLog audit,
    IOptions<RunsOptions> options, ILogger<RunRecoveryService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var cut = await db.Runs.Where(r => r.Status == RunStatus.Running || r.Status == RunStatus.Interrupted || r.Status == RunStatus.Resuming)
            .ToListAsync(cancellationToken);
        if (!options.Value.AutoResume)
        {
            foreach (var run in cut.Where(r => r.Status == RunStatus.Running))
            {
                run.Interrupt("The console stopped during the run; automatic resume is off (Ligbox:Runs:AutoResume): start a new run or cancel this one.");
            }

            await db.SaveChangesAsync(cancellationToken);
            return;
        }

        foreach (var run in cut)
        {
            logger.LogInformation("Resuming interrupted run {RunId} ({Kind}) of job {JobId}", run.Id, run.Kind, run.JobId);
            run.MarkResuming("The console stopped during the run; it is queued again and continues where it stopped.");
            audit.Add(db, "system", "run.resumed", "run", run.Id, new { kind = run.Kind.ToString() }, run.JobId);
        }

        await db.SaveChangesAsync(cancellationToken);
        foreach (var run in cut)
        {
            await scheduler.ScheduleAsync(run.Id, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
