using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Ligbox.Core.Scheduling;

/// <summary>
/// One Quartz job and trigger per migration job in the group <c>schedules</c> of the persistent store,
/// kept in step with the job's <see cref="DeltaSchedule"/>. Survives restarts with the store.
/// </summary>
public sealed class DeltaScheduleTriggers(ISchedulerFactory schedulers, TimeProvider clock)
{
    public const string Group = "schedules";
    internal const string JobIdKey = "jobId";
    private const string SpecKey = "spec";

    public static TriggerKey TriggerKeyFor(Guid jobId) => new(jobId.ToString("N"), Group);

    public static JobKey JobKeyFor(Guid jobId) => new(jobId.ToString("N"), Group);

    /// <summary>Creates, replaces or deletes the trigger. An unchanged setting keeps the trigger (and its next fire time).</summary>
    public async Task ApplyAsync(Guid jobId, DeltaSchedule schedule, bool jobClosed, CancellationToken ct = default)
    {
        if (!schedule.Enabled || jobClosed)
        {
            await RemoveAsync(jobId, ct);
            return;
        }

        var scheduler = await schedulers.GetScheduler(ct);
        var existing = await scheduler.GetTrigger(TriggerKeyFor(jobId), ct);
        if (existing is not null && existing.JobDataMap.GetString(SpecKey) == schedule.Spec)
        {
            return;
        }

        var job = JobBuilder.Create<ScheduledDeltaJob>().WithIdentity(JobKeyFor(jobId)).UsingJobData(JobIdKey, jobId.ToString()).Build();
        var builder = TriggerBuilder.Create().WithIdentity(TriggerKeyFor(jobId)).ForJob(job.Key).UsingJobData(SpecKey, schedule.Spec);
        // After downtime, one missed pass runs at start and the schedule goes on from there (no burst of catch-up runs).
        var trigger = schedule.Cron is { } cron
            ? builder.WithCronSchedule(cron, c => c.InTimeZone(TimeZoneInfo.Utc).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed)).Build()
            : builder.StartAt(clock.GetUtcNow().AddHours(schedule.EveryHours))
                .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromHours(schedule.EveryHours)).RepeatForever()
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NowWithExistingCount))
                .Build();
        await scheduler.ScheduleJob(job, [trigger], new ScheduleJobOptions { Replace = true }, ct);
    }

    public async Task RemoveAsync(Guid jobId, CancellationToken ct = default)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        await scheduler.DeleteJob(JobKeyFor(jobId), ct);
    }

    public async Task<DateTime?> NextFireTimeUtcAsync(Guid jobId, CancellationToken ct = default)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        var trigger = await scheduler.GetTrigger(TriggerKeyFor(jobId), ct);
        return trigger?.NextFireTimeUtc?.UtcDateTime;
    }

    /// <summary>The migration jobs that have a trigger in the store.</summary>
    public async Task<IReadOnlyList<Guid>> ScheduledJobIdsAsync(CancellationToken ct = default)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        var keys = await scheduler.GetTriggerKeys(GroupMatcher<TriggerKey>.GroupEquals(Group), ct);
        return keys.Select(k => Guid.TryParseExact(k.Name, "N", out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).ToList();
    }
}

/// <summary>Thin Quartz adapter: one scheduled pass through <see cref="DeltaScheduleService"/>.</summary>
[DisallowConcurrentExecution]
public sealed class ScheduledDeltaJob(IServiceScopeFactory scopes) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var jobId = Guid.Parse(context.MergedJobDataMap.GetString(DeltaScheduleTriggers.JobIdKey)!);
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DeltaScheduleService>().RunScheduledPassAsync(jobId, context.ScheduledFireTimeUtc, cancellationToken);
    }
}
