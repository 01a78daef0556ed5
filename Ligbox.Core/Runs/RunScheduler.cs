using Quartz;

namespace Ligbox.Core.Runs;

/// <summary>Puts runs on Quartz (persistent store in the console database), one job per run.</summary>
public sealed class RunScheduler(ISchedulerFactory schedulers, Persistence.LigboxDatabase database)
{
    internal const string RunIdKey = "runId";
    private const string Group = "runs";

    public async Task ScheduleAsync(Guid runId, CancellationToken ct = default)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        var key = new JobKey(runId.ToString("N"), Group);
        // Clustered (PostgreSQL): a node that dies after picking the job up but before starting the run has it re-fired
        // on another node by Quartz's recovery; a run it had started is taken over by RunTakeover instead.
        var job = JobBuilder.Create<SyncRunJob>().WithIdentity(key).UsingJobData(RunIdKey, runId.ToString())
            .RequestRecovery(database.IsPostgreSql).Build();
        var trigger = TriggerBuilder.Create().WithIdentity(runId.ToString("N"), Group).ForJob(key).StartNow()
            .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow)).Build();
        await scheduler.ScheduleJob(job, [trigger], new ScheduleJobOptions { Replace = true }, ct);
    }

    public async Task UnscheduleAsync(Guid runId, CancellationToken ct = default)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        await scheduler.DeleteJob(new JobKey(runId.ToString("N"), Group), ct);
    }
}

/// <summary>Thin Quartz adapter: runs one <see cref="Run"/> of any kind through the <see cref="RunPipeline"/>.</summary>
[DisallowConcurrentExecution]
public sealed class SyncRunJob(RunPipeline executor) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await executor.ExecuteAsync(Guid.Parse(context.MergedJobDataMap.GetString(RunScheduler.RunIdKey)!), cancellationToken);
}
