using Ligbox.Core.Gate;
using Ligbox.Core.Audit;
using Ligbox.Core.Jobs;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Ligbox.Core.Scheduling;

/// <summary>
/// Reads and changes a job's scheduled delta sync, and runs one scheduled pass: a delta run through the
/// same <see cref="RunService"/> as manual runs, or a recorded skip with its reason.
/// </summary>
public sealed class DeltaScheduleService(IDbContextFactory<LigboxDbContext> dbFactory, AuditLog audit, TimeProvider clock,
    DeltaScheduleTriggers triggers, RunService runs, ILogger<DeltaScheduleService> logger, Microsoft.Extensions.Options.IOptions<DeltaScheduleLimits> limits,
    Nodes.NodeIdentity node)
{
    /// <summary>Who scheduled runs are requested by (run history, audit trail).</summary>
    public const string Actor = "scheduler";

    public async Task<DeltaScheduleDto> GetAsync(Guid jobId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId, ct) ?? throw new NotFoundException("Job", jobId);
        return await ToDtoAsync(job, ct);
    }

    public async Task<DeltaScheduleDto> UpdateAsync(Guid jobId, UpdateDeltaScheduleRequest request, string actor, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ManageMigration, ct); // issue 12: the caller's rights now
        var now = clock.GetUtcNow().UtcDateTime;
        ValidationFailedException.ThrowIfAny(DeltaScheduleRules.Validate(request.EveryHours, request.Cron, now, limits.Value.MinInterval));

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.SingleOrDefaultAsync(j => j.Id == jobId, ct) ?? throw new NotFoundException("Job", jobId);
        var cron = string.IsNullOrWhiteSpace(request.Cron) ? null : request.Cron.Trim();
        var hours = request.EveryHours ?? job.Schedule.EveryHours;
        job.Schedule.Change(request.Enabled, hours, cron, job.IsClosed, actor, now);
        audit.Add(db, actor, "schedule.updated", "job", job.Id, cron is null ? new { request.Enabled, everyHours = hours } : new { request.Enabled, cron }, job.Id);
        await db.SaveChangesAsync(ct);
        await triggers.ApplyAsync(job.Id, job.Schedule, job.IsClosed, ct);
        logger.LogInformation("Scheduled delta sync of job {JobId} set by {Actor}: {Enabled}, {Spec}", job.Id, actor, job.Schedule.Enabled, job.Schedule.Spec);
        return await ToDtoAsync(job, ct);
    }

    /// <summary>
    /// One pass fired by the trigger: starts a delta run, or records why it did not. <paramref name="firedFor"/> is the
    /// trigger's scheduled fire time: the audit entry names it and the node that made the pass, so with several nodes
    /// (issue 17) each firing can be seen to have had exactly one pass.
    /// </summary>
    public async Task<ScheduledPassDto> RunScheduledPassAsync(Guid jobId, DateTimeOffset? firedFor = null, CancellationToken ct = default)
    {
        using var system = Security.CallerScope.BeginSystem(Actor); // issue 12: the scheduler acts for the console, not a person
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.Include(j => j.Mailboxes).SingleOrDefaultAsync(j => j.Id == jobId, ct);
        if (job is null)
        {
            logger.LogWarning("Scheduled delta sync: job {JobId} no longer exists; its trigger is removed", jobId);
            await triggers.RemoveAsync(jobId, ct);
            return new ScheduledPassDto(clock.GetUtcNow().UtcDateTime, ScheduledPassOutcome.Skipped, null, "The job no longer exists.");
        }

        var skip = await SkipReasonAsync(db, job, ct);
        Guid? runId = null;
        if (skip is null)
        {
            try
            {
                runId = (await runs.StartSyncAsync(jobId, SyncRunKind.Delta, null, false, Actor, RunTrigger.Scheduled, ct)).Id;
            }
            catch (DomainException ex)
            {
                // Someone started a run between the check and the start: same outcome as an active run.
                skip = ex.Message;
            }
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var outcome = skip is null ? ScheduledPassOutcome.Started : ScheduledPassOutcome.Skipped;
        var message = skip ?? "Delta sync started.";
        job.Schedule.RecordPass(now, outcome, runId, message);
        audit.Add(db, Actor, skip is null ? "schedule.started" : "schedule.skipped", "job", job.Id, new { runId, reason = skip, firedFor = firedFor?.UtcDateTime, node = node.Id }, job.Id);
        // Only the schedule's columns are written: the run start changed the job's phase in its own context.
        await db.SaveChangesAsync(ct);
        if (skip is null)
        {
            logger.LogInformation("Scheduled delta sync of job {JobId} ({Domain}) started run {RunId}", job.Id, job.Domain, runId);
        }
        else
        {
            logger.LogInformation("Scheduled delta sync of job {JobId} ({Domain}) skipped: {Reason}", job.Id, job.Domain, skip);
        }

        if (job.IsClosed || !job.Schedule.Enabled)
        {
            await triggers.RemoveAsync(job.Id, ct);
        }

        return new ScheduledPassDto(now, outcome, runId, message);
    }

    private static async Task<string?> SkipReasonAsync(LigboxDbContext db, MigrationJob job, CancellationToken ct)
    {
        if (job.IsClosed)
        {
            return $"The job is {job.Phase}; scheduled delta syncs stop for closed jobs.";
        }

        if (!job.Schedule.Enabled)
        {
            return "Scheduled delta sync is turned off.";
        }

        if (job.Mailboxes.Count == 0)
        {
            return "The job has no mailboxes yet.";
        }

        // An approval is bound to what it approved, and a run in progress blocks the gate: a scheduled pass
        // would revoke it. Scheduled deltas pause while the gate is approved; a revoke lets them run again.
        if (await db.Gates.AnyAsync(g => g.JobId == job.Id && g.State == GateState.Approved, ct))
        {
            return "The gate is approved: scheduled delta syncs pause so the approval holds. Revoke the gate (or start a delta by hand) to sync again.";
        }

        var ids = job.Mailboxes.Select(m => m.Id).ToList();
        var active = await (from rm in db.Set<RunMailbox>()
                            join r in db.Runs on rm.RunId equals r.Id
                            where ids.Contains(rm.MailboxId) && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running || r.Status == RunStatus.Resuming)
                            select new { r.Id, r.Kind }).Distinct().ToListAsync(ct);
        if (active.Count > 0)
        {
            var run = active[0];
            return $"A {run.Kind.ToString().ToLowerInvariant()} run ({run.Id}) is still active on the job's mailboxes; this pass is skipped and the next one runs on schedule.";
        }

        if (!await db.Runs.AnyAsync(r => r.JobId == job.Id && r.Kind == RunKind.Initial && r.Status == RunStatus.Succeeded && !r.DryRun, ct))
        {
            return "No initial sync has succeeded yet; scheduled delta syncs start once one has.";
        }

        return null;
    }

    private async Task<DeltaScheduleDto> ToDtoAsync(MigrationJob job, CancellationToken ct)
    {
        var s = job.Schedule;
        var last = s.LastPassAtUtc is { } at && s.LastPassOutcome is { } outcome ? new ScheduledPassDto(at, outcome, s.LastPassRunId, s.LastPassMessage) : null;
        return new DeltaScheduleDto(job.Id, s.Enabled, s.EveryHours, s.Cron, await triggers.NextFireTimeUtcAsync(job.Id, ct), last, s.UpdatedBy, s.UpdatedAtUtc,
            job.IsClosed);
    }
}

/// <summary><c>Ligbox:Schedules</c>: the shortest interval a schedule may have (issue 12).</summary>
public sealed class DeltaScheduleLimits
{
    public const string Section = "Ligbox:Schedules";

    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "Ligbox:Schedules:MinInterval must be between 1 s and 7 days.")]
    public TimeSpan MinInterval { get; set; } = DeltaScheduleRules.DefaultMinInterval;
}
