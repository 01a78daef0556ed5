using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ligbox.Core.Gate;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Persistence;
using Ligbox.Core.Security;
using Ligbox.Core.Storage;
using Ligbox.Core.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ligbox.Core.Runs;

/// <summary>
/// The lifecycle shell every run goes through, whatever its kind (queued on Quartz by <see cref="RunScheduler"/>):
/// start, hand the work to the <see cref="IRunHandler"/> of its kind, then complete, fail, stop on cancel, or
/// leave it to be resumed when the console stops. It is the one writer of a run's status; <see cref="Run.Version"/>
/// makes a late write lose against a cancel recorded meanwhile. After every run it tells the gate and the webhooks.
/// </summary>
public sealed class RunPipeline(IDbContextFactory<LigboxDbContext> dbFactory, IEnumerable<IRunHandler> handlers, SecretProtector protector,
    DataDirectory dataDir, RunProgressNotifier notifier, TimeProvider clock, IHostApplicationLifetime lifetime, GateService gate,
    WebhookService webhooks, Audit.AuditLog audit, Telemetry.LigboxMetrics metrics, ILogger<RunPipeline> logger, Nodes.NodeIdentity node)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    private readonly ConcurrentDictionary<Guid, ActiveRun> _active = new();
    private readonly IReadOnlyList<IRunHandler> _handlers = handlers.ToList();

    /// <summary>Asks a running run to stop; false when this process is not running it.</summary>
    public bool RequestCancel(Guid runId, string by)
    {
        if (!_active.TryGetValue(runId, out var active))
        {
            return false;
        }

        active.CancelledBy = by;
        active.Cts.Cancel();
        return true;
    }

    /// <summary>The runs this node has claimed and is executing now (the heartbeat checks they are still this node's).</summary>
    public IReadOnlyList<Guid> ClaimedRuns => _active.Where(a => a.Value.Claimed).Select(a => a.Key).ToList();

    /// <summary>
    /// Another node took the run over (this node's heartbeat was stale): stop executing it and write nothing, the run
    /// is the other node's now. False when this process is not running it.
    /// </summary>
    public bool Abandon(Guid runId)
    {
        if (!_active.TryGetValue(runId, out var active))
        {
            return false;
        }

        logger.LogWarning("Run {RunId} was taken over by another node; this node stops executing it", runId);
        active.Abandoned = true;
        active.Cts.Cancel();
        return true;
    }

    public async Task ExecuteAsync(Guid runId, CancellationToken cancellationToken)
    {
        // Registered before the run is read, so a cancel that arrives while it starts is never lost.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        var active = new ActiveRun(cts);
        _active[runId] = active;
        bool ended;
        try
        {
            ended = await ExecuteRegisteredAsync(runId, active);
        }
        finally
        {
            _active.TryRemove(runId, out _);
        }

        if (!ended)
        {
            return; // another node holds the run (it claimed it first, or took it over): its end is recorded there
        }

        await RecordEndAsync(runId);
        await AnnounceOutcomeAsync(runId);
    }

    /// <summary>
    /// The audit trail says how every run ended (succeeded, failed, cancelled, interrupted), in the run's own words;
    /// the metrics count it with what it copied, and the run keeps what it copied (the dashboard's per-day series).
    /// </summary>
    private async Task RecordEndAsync(Guid runId)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            var run = await db.Runs.SingleOrDefaultAsync(r => r.Id == runId);
            if (run is null || run.IsActive)
            {
                return;
            }

            var (messages, bytes) = await CopiedAsync(db, run);
            run.RecordCopied(messages, bytes);
            metrics.RunEnded(run, messages, bytes);
            audit.Add(db, "system", "run.ended", "run", run.Id,
                new { kind = run.Kind.ToString(), status = run.Status.ToString(), run.DryRun, message = run.Message, seconds = run.Duration?.TotalSeconds }, run.JobId);
            await db.SaveChangesAsync();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not record the end of run {RunId} in the audit trail", runId);
        }
    }

    /// <summary>Executes the run; false when this node did not (or no longer) hold it, so its end is not this node's to record.</summary>
    private async Task<bool> ExecuteRegisteredAsync(Guid runId, ActiveRun active)
    {
        var ct = active.Cts.Token;
        // Read without the run's token: a cancel that arrives now is recorded by the try below, not lost with the read.
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        var run = await db.Runs.SingleOrDefaultAsync(r => r.Id == runId, CancellationToken.None);
        if (run is null || !run.CanStart)
        {
            // Cancelled while queued (its end is recorded as before), already done, or held by another node (a re-fire
            // of Quartz's cluster recovery for a run another node is running or took over): nothing to do here.
            return run is { Status: RunStatus.Cancelled };
        }

        var job = await db.Jobs.Include(j => j.Mailboxes).SingleAsync(j => j.Id == run.JobId, CancellationToken.None);
        var items = await db.Set<RunMailbox>().Where(m => m.RunId == runId).ToListAsync(CancellationToken.None);
        var mailboxes = items.Select(i => job.Mailboxes.Single(m => m.Id == i.MailboxId)).ToList();
        // A side with the job's admin login (master user) uses the admin password instead of the mailbox's.
        var secrets = mailboxes.ToDictionary(m => m.Id, m => SyncHandlerSupport.Secrets(job, m, protector));
        var logPath = RunLog.PathFor(dataDir, job.Id, run.Id);
        using var log = new RunLog(logPath, secrets.Values.SelectMany(s => new[] { s.Source, s.Destination }), clock);
        var x = new RunExecution(db, run, job, items, mailboxes, secrets, log, run.Status != RunStatus.Queued, notifier, clock);
        try
        {
            ct.ThrowIfCancellationRequested();
            var handler = _handlers.FirstOrDefault(h => h.Handles(run.Kind)) ?? throw new DomainException($"No handler runs {run.Kind} runs in this console.");
            run.Start(x.Now, logPath, node.Id);
            foreach (var item in items)
            {
                item.MarkRunning();
            }

            // The claim: saved with the run's version, so of two nodes that picked the same run up only one starts it.
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateConcurrencyException)
            {
                db.ChangeTracker.Clear();
                var now = await db.Runs.AsNoTracking().Where(r => r.Id == runId).Select(r => new { r.Status, r.NodeId }).SingleOrDefaultAsync(CancellationToken.None);
                if (now is { Status: RunStatus.Running or RunStatus.Resuming })
                {
                    // Started by another node, or queued again by a take-over meanwhile: that one is the run's writer now.
                    logger.LogInformation("Run {RunId} was claimed by node {NodeId} first; this node leaves it", runId, now.NodeId);
                    return false;
                }

                throw;
            }

            active.Claimed = true;
            notifier.RunChanged(job.Id, run.Id);
            x.Line(null, $"{(x.Resumed ? "Resuming" : "Starting")} {run.Kind.ToString().ToLowerInvariant()}{(run.DryRun ? " (dry run)" : "")} of {items.Count} mailbox(es): " +
                $"{handler.Describe(x)}, requested by {run.RequestedBy}.");

            var outcome = await handler.ExecuteAsync(x, ct);
            ct.ThrowIfCancellationRequested();
            if (outcome.Succeeded)
            {
                run.Complete(x.Now, outcome.StatisticsJson, outcome.Message);
            }
            else
            {
                run.Fail(x.Now, outcome.Message, outcome.StatisticsJson);
                RecordPhaseReason(job, outcome.Message);
            }

            x.Line(null, outcome.Message);
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (Exception) when (active.Abandoned)
        {
            // Taken over by another node: the run is that node's now; nothing is written here.
            db.ChangeTracker.Clear();
            log.Write(null, $"Node {node.Id} stops executing the run: another node took it over.");
            return false;
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another writer (a cancel) changed the run since it was read: its state wins, nothing is written over it.
            db.ChangeTracker.Clear();
            if (!await RecordStopAsync(runId, active.CancelledBy ?? "another writer", log))
            {
                return false;
            }
        }
        catch (Exception) when (active.Cts.IsCancellationRequested)
        {
            // Cancelled or stopping: an engine may end with its own error once its connections are cut.
            db.ChangeTracker.Clear();
            if (!await RecordStopAsync(runId, active.CancelledBy, log))
            {
                return false;
            }
        }
        catch (Exception ex)
        {
            if (ex is DomainException)
            {
                logger.LogWarning("Run {RunId} failed: {Reason}", runId, ex.Message);
            }
            else
            {
                logger.LogError(ex, "Run {RunId} failed", runId);
            }

            db.ChangeTracker.Clear();
            if (!await RecordFailureAsync(runId, log.Redact(ex.Message), log))
            {
                return false;
            }
        }
        finally
        {
            notifier.ClearProgress(runId);
            notifier.RunChanged(job.Id, runId);
        }

        return true;
    }

    /// <summary>Another node holds the active run now (it took it over while this node's heartbeat was stale).</summary>
    private bool HeldElsewhere(Run run) => run.IsActive && run.NodeId is not null && run.NodeId != node.Id;

    /// <summary>What a run copied: an import's (PST, mbox, TGZ) appended messages and bytes, or the sum of its mailboxes' sync figures.</summary>
    private static async Task<(long Messages, long Bytes)> CopiedAsync(LigboxDbContext db, Run run)
    {
        if (run.DryRun)
        {
            return (0, 0);
        }

        if (run.Kind is RunKind.Pst or RunKind.Tgz)
        {
            var import = RunStatisticsSerializer.ReadImport(run.StatisticsJson);
            return (import?.Appended ?? 0, import?.Folders.Sum(f => f.AppendedBytes) ?? 0);
        }

        var results = await db.Set<RunMailbox>().AsNoTracking().Where(m => m.RunId == run.Id).Select(m => m.ResultJson).ToListAsync();
        var statistics = results.Select(RunStatisticsSerializer.ReadSync).OfType<Tools.Statistics.SyncStatistics>().ToList();
        return (statistics.Sum(s => (long)s.MessagesTransferred), statistics.Sum(s => s.BytesTransferred));
    }

    /// <summary>
    /// Tells the gate and the helpdesk how the run ended: every finished run is a webhook event; the gate is
    /// told in one place (a failed run revokes an approved gate; a final has its gate evaluated, which queues
    /// <c>migration.gate_ready</c>).
    /// </summary>
    private async Task AnnounceOutcomeAsync(Guid runId)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            var run = await db.Runs.AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId);
            if (run is null || run.DryRun || run.Status is not (RunStatus.Succeeded or RunStatus.Failed))
            {
                return;
            }

            var payload = new { runId = run.Id, jobId = run.JobId, kind = run.Kind.ToString(), status = run.Status.ToString(), message = run.Message, endedAt = run.EndedAtUtc };
            await webhooks.PublishAsync(run.Status == RunStatus.Failed ? WebhookEvents.RunFailed : WebhookEvents.RunCompleted, run.JobId, payload);

            // gate: evaluate after every run
            await gate.EvaluateAsync(run.JobId);
        }
        catch (Exception ex)
        {
            // The run's own outcome is already stored; a failed notification must not turn it into an error.
            logger.LogWarning(ex, "Could not announce the outcome of run {RunId} to the gate and webhooks", runId);
        }
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>A failed run keeps the job's phase and records why.</summary>
    internal void RecordPhaseReason(MigrationJob job, string reason)
    {
        if (MigrationJob.CanMoveTo(job.Phase, job.Phase))
        {
            job.MoveTo(job.Phase, Now, reason.Length > 1000 ? reason[..1000] : reason);
        }
    }

    /// <summary>
    /// A cancel (<paramref name="cancelledBy"/>) is recorded unless another writer already ended the run, whose
    /// state is kept; without a cancel the console is stopping and the run waits to be resumed at the next start.
    /// </summary>
    private async Task<bool> RecordStopAsync(Guid runId, string? cancelledBy, RunLog log)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            var run = await db.Runs.SingleAsync(r => r.Id == runId);
            if (HeldElsewhere(run))
            {
                return false;
            }

            var items = await db.Set<RunMailbox>().Where(m => m.RunId == runId).ToListAsync();
            string line;
            if (cancelledBy is not null || !run.IsActive)
            {
                if (run.IsActive)
                {
                    run.Cancel(Now, cancelledBy!);
                }

                foreach (var item in items)
                {
                    item.Close(run.Status);
                }

                var ids = items.Select(i => i.MailboxId).ToList();
                foreach (var m in await db.Mailboxes.Where(m => ids.Contains(m.Id) && m.Status == MailboxStatus.Syncing).ToListAsync())
                {
                    m.MarkReady("The run was cancelled; the next pass continues where it stopped.");
                }

                line = run.Status == RunStatus.Cancelled ? $"{run.Message} What was copied stays; the next run continues without duplicates." : $"The run is {run.Status}.";
            }
            else if (run.Status != RunStatus.Running)
            {
                return true; // stopped before it started: still queued, Quartz or the recovery starts it again
            }
            else
            {
                run.Interrupt("The console stopped during the run; it is resumed at the next start.");
                line = "The console is stopping: the run is interrupted and resumes at the next start.";
            }

            try
            {
                await db.SaveChangesAsync();
                Line(log, run, line);
                return true;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
                // Changed meanwhile (the API cancelled it too): read it again.
            }
        }
    }

    private async Task<bool> RecordFailureAsync(Guid runId, string reason, RunLog log)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        var run = await db.Runs.SingleAsync(r => r.Id == runId);
        if (HeldElsewhere(run))
        {
            return false;
        }

        if (!run.IsActive)
        {
            return true;
        }

        run.Fail(Now, reason);
        foreach (var item in await db.Set<RunMailbox>().Where(m => m.RunId == runId).ToListAsync())
        {
            item.Close(RunStatus.Failed);
        }

        RecordPhaseReason(await db.Jobs.SingleAsync(j => j.Id == run.JobId), reason);
        try
        {
            await db.SaveChangesAsync();
            Line(log, run, "Failed: " + reason);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Cancelled meanwhile: the cancel stands.
        }

        return true;
    }

    private void Line(RunLog log, Run run, string message) => notifier.Line(run.JobId, run.Id, log.Write(null, message));

    private sealed class ActiveRun(CancellationTokenSource cts)
    {
        public CancellationTokenSource Cts { get; } = cts;
        public string? CancelledBy { get; set; }

        /// <summary>This node saved its start of the run.</summary>
        public bool Claimed { get; set; }

        /// <summary>Another node took the run over: stop and write nothing.</summary>
        public bool Abandoned { get; set; }
    }
}
