using Ligbox.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ligbox.Core.Scheduling;

/// <summary>
/// At start-up (after the migrations): the store's triggers match the jobs' settings. Triggers of
/// enabled open jobs with an unchanged setting are kept as they are, so their next fire time survives.
/// </summary>
internal sealed class DeltaScheduleReconciler(IDbContextFactory<LigboxDbContext> dbFactory, DeltaScheduleTriggers triggers,
    ILogger<DeltaScheduleReconciler> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var enabled = await db.Jobs.AsNoTracking().Where(j => j.Schedule.Enabled).ToListAsync(cancellationToken);
        foreach (var job in enabled)
        {
            await triggers.ApplyAsync(job.Id, job.Schedule, job.IsClosed, cancellationToken);
        }

        var keep = enabled.Where(j => !j.IsClosed).Select(j => j.Id).ToHashSet();
        foreach (var stale in (await triggers.ScheduledJobIdsAsync(cancellationToken)).Where(id => !keep.Contains(id)))
        {
            logger.LogInformation("Removing the schedule trigger of job {JobId}: its scheduled delta sync is off or the job is closed", stale);
            await triggers.RemoveAsync(stale, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
