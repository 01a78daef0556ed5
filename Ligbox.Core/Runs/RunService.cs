using Ligbox.Core.Audit;
using Ligbox.Core.Gate;
using Ligbox.Core.Jobs;
using Ligbox.Core.Persistence;
using Ligbox.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Runs;

/// <summary>Starts, cancels and lists a job's runs. Runs of every kind execute in the background (<see cref="RunPipeline"/>).</summary>
public sealed class RunService(IDbContextFactory<LigboxDbContext> dbFactory, AuditLog audit, TimeProvider clock, RunScheduler scheduler,
    RunPipeline executor, DataDirectory dataDir, RunProgressNotifier notifier, Ligbox.Tools.Engines.EngineRegistry engines, GateService gate,
    Microsoft.Extensions.Options.IOptions<LigboxOptions> ligboxOptions) // issue 12: Ligbox:Network:AllowedHosts
{
    public Task<RunDto> StartPreflightAsync(Guid jobId, string actor, CancellationToken ct = default) =>
        StartAsync(jobId, RunKind.Preflight, RunTarget.All, false, actor, RunTrigger.Manual, ct);

    public Task<RunDto> StartSyncAsync(Guid jobId, SyncRunKind kind, IReadOnlyList<Guid>? mailboxIds, bool dryRun, string actor,
        RunTrigger trigger = RunTrigger.Manual, CancellationToken ct = default) =>
        StartAsync(jobId, ToRunKind(kind), new RunTarget(mailboxIds), dryRun, actor, trigger, ct);

    /// <summary>Starts a run of <paramref name="kind"/> for the mailboxes of <paramref name="target"/>, as <see cref="RunStartRules"/> allow.</summary>
    /// <exception cref="DomainException">The rules refuse it; the message says why.</exception>
    public Task<RunDto> StartRunAsync(Guid jobId, RunKind kind, RunTarget target, bool dryRun, string actor,
        RunTrigger trigger = RunTrigger.Manual, CancellationToken ct = default) =>
        StartAsync(jobId, kind, target, dryRun, actor, trigger, ct);

    public static RunKind ToRunKind(SyncRunKind kind) => kind switch
    {
        SyncRunKind.Initial => RunKind.Initial,
        SyncRunKind.Delta => RunKind.Delta,
        _ => RunKind.Final,
    };

    /// <summary>For the page: what each kind of run would do now for the whole job (allowed, reason, covered mailboxes).</summary>
    public async Task<IReadOnlyDictionary<RunKind, RunStartDecision>> GetStartDecisionsAsync(Guid jobId, RunTarget? target = null, CancellationToken ct = default) =>
        (await GetStartDecisionsAsync(jobId, [target ?? RunTarget.All], ct))[0];

    /// <summary>
    /// The decisions for several targets from one read of the job (the page asks for all mailboxes and for the
    /// failed ones: a 10,000-mailbox job is loaded once, not per target).
    /// </summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<RunKind, RunStartDecision>>> GetStartDecisionsAsync(Guid jobId, IReadOnlyList<RunTarget> targets,
        CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId, ct) ?? throw new NotFoundException("Job", jobId);
        var mailboxes = await LoadCandidatesAsync(db, jobId, ct);
        var facts = await LoadStartFactsAsync(db, job, ct);
        return targets.Select(target => (IReadOnlyDictionary<RunKind, RunStartDecision>)new[] { RunKind.Preflight, RunKind.Initial, RunKind.Delta, RunKind.Final }
            .ToDictionary(k => k, k => RunStartRules.Decide(job, mailboxes, k, target, facts))).ToList();
    }

    /// <summary>The five columns of each mailbox the start rules read (not the entities with their secrets: 10,000 of them stay cheap).</summary>
    private static async Task<IReadOnlyList<RunCandidate>> LoadCandidatesAsync(LigboxDbContext db, Guid jobId, CancellationToken ct) =>
        await db.Mailboxes.AsNoTracking().Where(m => m.JobId == jobId)
            .Select(m => new RunCandidate(m.Id, m.SourceLogin, m.Excluded, m.ExcludedReason, m.Status)).ToListAsync(ct);

    private static async Task<RunStartFacts> LoadStartFactsAsync(LigboxDbContext db, MigrationJob job, CancellationToken ct)
    {
        // Every row of the job's runs: rows of a mailbox removed since then only land in sets nobody asks about
        // (a 10,000-id IN list cost more than the rows it filtered out).
        var rows = await (from rm in db.Set<RunMailbox>()
                          join r in db.Runs on rm.RunId equals r.Id
                          where r.JobId == job.Id
                          select new { rm.MailboxId, RowStatus = rm.Status, r.Kind, RunStatus = r.Status, r.DryRun, r.QueuedAtUtc }).ToListAsync(ct);
        var initialDone = rows.Where(x => x.Kind == RunKind.Initial && !x.DryRun && x.RowStatus == RunStatus.Succeeded).Select(x => x.MailboxId).ToHashSet();
        // Resuming counts: the run is queued again after a restart and will pick up where it stopped.
        var busy = rows.Where(x => x.RunStatus is RunStatus.Queued or RunStatus.Running or RunStatus.Resuming).Select(x => x.MailboxId).ToHashSet();
        var lastFailed = rows.Where(x => !x.DryRun && x.RowStatus is RunStatus.Succeeded or RunStatus.Failed && x.Kind is RunKind.Preflight or RunKind.Initial or RunKind.Delta or RunKind.Final)
            .GroupBy(x => x.MailboxId).Where(g => g.OrderByDescending(x => x.QueuedAtUtc).First().RowStatus == RunStatus.Failed).Select(g => g.Key).ToHashSet();
        return new RunStartFacts(initialDone, busy, lastFailed);
    }

    public static SyncRunKind ParseKind(string? kind) => kind?.Trim().ToLowerInvariant() switch
    {
        "initial" => SyncRunKind.Initial,
        "delta" => SyncRunKind.Delta,
        "final" => SyncRunKind.Final,
        _ => throw new ValidationFailedException(new Dictionary<string, string[]>
        {
            ["kind"] = ["The kind must be initial, delta or final."],
        }),
    };

    private async Task<RunDto> StartAsync(Guid jobId, RunKind kind, RunTarget runTarget, bool dryRun, string actor, RunTrigger trigger,
        CancellationToken ct)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ManageMigration, ct); // issue 12: the caller's rights now
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.SingleOrDefaultAsync(j => j.Id == jobId, ct) ?? throw new NotFoundException("Job", jobId);
        var decision = RunStartRules.Decide(job, await LoadCandidatesAsync(db, jobId, ct), kind, runTarget, await LoadStartFactsAsync(db, job, ct));
        if (!decision.Allowed)
        {
            throw new DomainException(decision.Reason!);
        }

        foreach (var (what, server) in new[] { ("source server", job.Source), ("destination server", job.Destination) }) // issue 12
        {
            if (Security.NetworkAllowList.Problem(ligboxOptions.Value.Network.AllowedHosts, what, server.Host, server.Port) is { } refused)
            {
                throw new DomainException(refused);
            }
        }

        if (job.Engine == SyncEngineKind.Imapsync && !dryRun && engines.UnavailableReason(Ligbox.Tools.Engines.EngineKind.Imapsync) is { } missing)
        {
            throw new DomainException(missing);
        }

        var selected = decision.Covered;
        var now = clock.GetUtcNow().UtcDateTime;
        var run = new Run(jobId, kind, trigger, actor, now, dryRun);
        db.Runs.Add(run);
        foreach (var m in selected)
        {
            db.Add(new RunMailbox(run.Id, m.Id, m.SourceLogin));
        }

        var target = kind switch
        {
            RunKind.Preflight => MigrationPhase.Preflight,
            RunKind.Final => MigrationPhase.FinalSync,
            _ => MigrationPhase.Syncing,
        };
        // A pre-flight of a job that is already syncing leaves its phase alone.
        if (!dryRun && job.Phase != target && MigrationJob.CanMoveTo(job.Phase, target)
            && !(kind == RunKind.Preflight && job.Phase is not (MigrationPhase.Draft or MigrationPhase.Failed)))
        {
            job.MoveTo(target, now);
        }

        audit.Add(db, actor, "run.started", "run", run.Id, new { kind = kind.ToString(), mailboxes = selected.Count, dryRun, trigger = trigger.ToString() }, jobId);
        await db.SaveChangesAsync(ct);
        await scheduler.ScheduleAsync(run.Id, ct);
        notifier.RunChanged(jobId, run.Id);
        if (!dryRun)
        {
            // The gate is blocked while a run is active: an approval does not stand beside it.
            await gate.EvaluateAsync(jobId, ct);
        }

        return RunDto.From(run, await db.Set<RunMailbox>().AsNoTracking().Where(x => x.RunId == run.Id).ToListAsync(ct));
    }

    public async Task<RunDto> CancelAsync(Guid runId, string actor, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ManageMigration, ct); // issue 12: the caller's rights now
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.SingleOrDefaultAsync(r => r.Id == runId, ct) ?? throw new NotFoundException("Run", runId);
        if (run.IsActive && executor.RequestCancel(runId, actor))
        {
            // The pipeline stops the handler and records the cancellation itself.
            audit.Add(db, actor, "run.cancelled", "run", run.Id, new { kind = run.Kind.ToString() }, run.JobId);
            await db.SaveChangesAsync(ct);
            return await WaitForEndAsync(runId, ct);
        }

        run.Cancel(clock.GetUtcNow().UtcDateTime, actor);
        foreach (var m in await db.Set<RunMailbox>().Where(x => x.RunId == runId).ToListAsync(ct))
        {
            m.Close(RunStatus.Cancelled);
        }

        audit.Add(db, actor, "run.cancelled", "run", run.Id, new { kind = run.Kind.ToString() }, run.JobId);
        await db.SaveChangesAsync(ct);
        await scheduler.UnscheduleAsync(runId, ct);
        // The executor may have picked the run up meanwhile: it stops and records the cancellation.
        executor.RequestCancel(runId, actor);
        notifier.RunChanged(run.JobId, run.Id);
        return await GetAsync(runId, ct);
    }

    private async Task<RunDto> WaitForEndAsync(Guid runId, CancellationToken ct)
    {
        for (var i = 0; i < 100; i++)
        {
            var dto = await GetAsync(runId, ct);
            if (!dto.IsActive)
            {
                return dto;
            }

            await Task.Delay(100, ct);
        }

        return await GetAsync(runId, ct);
    }

    public async Task<IReadOnlyList<RunDto>> ListAsync(Guid jobId, int take = 50, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Jobs.AnyAsync(j => j.Id == jobId, ct))
        {
            throw new NotFoundException("Job", jobId);
        }

        var runs = await db.Runs.AsNoTracking().Where(r => r.JobId == jobId).ToListAsync(ct);
        runs = runs.OrderByDescending(r => r.QueuedAtUtc).Take(take).ToList();
        var ids = runs.Select(r => r.Id).ToList();
        var mailboxes = (await db.Set<RunMailbox>().AsNoTracking().Where(m => ids.Contains(m.RunId)).ToListAsync(ct)).ToLookup(m => m.RunId);
        return runs.Select(r => RunDto.From(r, mailboxes[r.Id])).ToList();
    }

    public async Task<RunDto> GetAsync(Guid runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId, ct) ?? throw new NotFoundException("Run", runId);
        return RunDto.From(run, await db.Set<RunMailbox>().AsNoTracking().Where(m => m.RunId == runId).ToListAsync(ct));
    }

    /// <summary>The last lines of the run's log file (for runs that are not live in this process).</summary>
    public async Task<IReadOnlyList<string>> ReadLogTailAsync(Guid runId, int maxLines = RunProgressNotifier.MaxLines, CancellationToken ct = default)
    {
        var path = await GetLogPathAsync(runId, ct);
        if (path is null)
        {
            return [];
        }

        var lines = new Queue<string>();
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            lines.Enqueue(line);
            if (lines.Count > maxLines)
            {
                lines.Dequeue();
            }
        }

        return lines.ToList();
    }

    /// <summary>The run's log file, or <c>null</c> when it has not written one yet.</summary>
    public async Task<string?> GetLogPathAsync(Guid runId, CancellationToken ct = default)
    {
        var run = await GetAsync(runId, ct);
        var path = RunLog.PathFor(dataDir, run.JobId, run.Id);
        return File.Exists(path) ? path : null;
    }
}
