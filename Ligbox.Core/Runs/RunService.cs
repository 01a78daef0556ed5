using Ligbox.Core.Audit;
using Ligbox.Core.Jobs;
using Ligbox.Core.Persistence;
using Ligbox.Core.Storage;
using Ligbox.Core.Sync;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Runs;

/// <summary>Starts, cancels and lists a job's runs. Runs execute in the background (<see cref="RunExecutor"/>).</summary>
public sealed class RunService(IDbContextFactory<LigboxDbContext> dbFactory, AuditLog audit, TimeProvider clock, RunScheduler scheduler,
    RunExecutor executor, DataDirectory dataDir, RunProgressNotifier notifier, ImapsyncPass imapsync,
    Microsoft.Extensions.Options.IOptions<LigboxOptions> ligboxOptions) // issue 12: Ligbox:Network:AllowedHosts
{
    public Task<RunDto> StartPreflightAsync(Guid jobId, string actor, CancellationToken ct = default) =>
        StartAsync(jobId, RunKind.Preflight, null, false, actor, RunTrigger.Manual, ct);

    public Task<RunDto> StartSyncAsync(Guid jobId, SyncRunKind kind, IReadOnlyList<Guid>? mailboxIds, bool dryRun, string actor,
        RunTrigger trigger = RunTrigger.Manual, CancellationToken ct = default) =>
        StartAsync(jobId, kind switch
        {
            SyncRunKind.Initial => RunKind.Initial,
            SyncRunKind.Delta => RunKind.Delta,
            _ => RunKind.Final,
        }, mailboxIds, dryRun, actor, trigger, ct);

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

    private async Task<RunDto> StartAsync(Guid jobId, RunKind kind, IReadOnlyList<Guid>? mailboxIds, bool dryRun, string actor, RunTrigger trigger,
        CancellationToken ct)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ManageMigration, ct); // issue 12: the caller's rights now
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.Include(j => j.Mailboxes).SingleOrDefaultAsync(j => j.Id == jobId, ct) ?? throw new NotFoundException("Job", jobId);
        if (job.IsClosed)
        {
            throw new DomainException($"The job is {job.Phase}; no run can be started on it.");
        }

        foreach (var (what, server) in new[] { ("source server", job.Source), ("destination server", job.Destination) }) // issue 12
        {
            if (Security.NetworkAllowList.Problem(ligboxOptions.Value.Network.AllowedHosts, what, server.Host, server.Port) is { } refused)
            {
                throw new DomainException(refused);
            }
        }

        if (job.Engine == SyncEngineKind.Imapsync && !dryRun)
        {
            imapsync.EnsureAvailable();
        }

        var selected = mailboxIds is { Count: > 0 }
            ? mailboxIds.Distinct().Select(id => job.Mailboxes.SingleOrDefault(m => m.Id == id)
                ?? throw new DomainException($"The mailbox {id} is not part of this job.")).ToList()
            : job.Mailboxes.ToList();
        if (selected.Count == 0)
        {
            throw new DomainException("The job has no mailboxes yet; add one before starting a run.");
        }

        if (kind == RunKind.Final && !await db.Runs.AnyAsync(r => r.JobId == jobId && r.Kind == RunKind.Initial && r.Status == RunStatus.Succeeded && !r.DryRun, ct))
        {
            throw new DomainException("A final sync needs a successful initial sync first.");
        }

        var ids = selected.Select(m => m.Id).ToList();
        var busy = await (from rm in db.Set<RunMailbox>()
                          join r in db.Runs on rm.RunId equals r.Id
                          where ids.Contains(rm.MailboxId) && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running)
                          select rm.SourceLogin).Distinct().ToListAsync(ct);
        if (busy.Count > 0)
        {
            throw new DomainException($"A run is already active for {string.Join(", ", busy.Order(StringComparer.Ordinal))}; wait for it or cancel it.");
        }

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
        return RunDto.From(run, await db.Set<RunMailbox>().AsNoTracking().Where(x => x.RunId == run.Id).ToListAsync(ct));
    }

    public async Task<RunDto> CancelAsync(Guid runId, string actor, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ManageMigration, ct); // issue 12: the caller's rights now
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.SingleOrDefaultAsync(r => r.Id == runId, ct) ?? throw new NotFoundException("Run", runId);
        if (run.IsActive && executor.RequestCancel(runId, actor))
        {
            // The executor stops the engine and records the cancellation itself.
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
            if (dto.Status != RunStatus.Running)
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
