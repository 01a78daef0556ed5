using Ligbox.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ligbox.Core.Scheduling;

/// <summary>
/// At start-up (after the migrations): the store's triggers match the jobs' settings. Triggers of
/// enabled open jobs with an unchanged setting are kept as they are, so their next fire time survives.
/// </summary>
/// <remarks>
/// With several nodes on one clustered store (issue 17) every node runs this at its start, a web node too (it writes
/// triggers when a schedule is changed through it, so its view must be the same). There is one trigger per job
/// (its key is the job's id), so nodes that reconcile at once cannot add a second one, and the clustered store lets
/// one node fire each firing. What a reconciling node must not do is undo a change saved meanwhile through another
/// node: the store's triggers are listed before the jobs are read (a schedule turned on after that read has its
/// trigger kept), and a job is read again just before its trigger is replaced, so an older setting is not written
/// over a newer one.
/// </remarks>
internal sealed class DeltaScheduleReconciler(IDbContextFactory<LigboxDbContext> dbFactory, DeltaScheduleTriggers triggers,
    ILogger<DeltaScheduleReconciler> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduled = await triggers.ScheduledJobIdsAsync(cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var enabled = await db.Jobs.AsNoTracking().Where(j => j.Schedule.Enabled).Select(j => j.Id).ToListAsync(cancellationToken);
        var keep = new HashSet<Guid>();
        foreach (var id in enabled)
        {
            // Read again: another node may have changed the setting since the list was read.
            var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == id, cancellationToken);
            if (job is null)
            {
                continue;
            }

            await triggers.ApplyAsync(job.Id, job.Schedule, job.IsClosed, cancellationToken);
            if (job.Schedule.Enabled && !job.IsClosed)
            {
                keep.Add(job.Id);
            }
        }

        foreach (var stale in scheduled.Where(id => !keep.Contains(id)))
        {
            logger.LogInformation("Removing the schedule trigger of job {JobId}: its scheduled delta sync is off or the job is closed", stale);
            await triggers.RemoveAsync(stale, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
