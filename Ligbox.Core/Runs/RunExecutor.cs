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
using Ligbox.Core.Sync;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Statistics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ligbox.Core.Runs;

/// <summary>
/// Executes one run: pre-flight or a sync pass of its mailboxes on the job's engine (native, or imapsync
/// through <see cref="ImapsyncPass"/>), with a log file, live progress and the outcome stored on the run,
/// its mailboxes and the job's phase. Both engines give the same result types, so everything after the
/// engine call is shared.
/// </summary>
public sealed class RunExecutor(IDbContextFactory<LigboxDbContext> dbFactory, IImapSyncEngine engine, ImapsyncPass imapsync, MailboxSlots slots, EfSyncStateStore state,
    SecretProtector protector, DataDirectory dataDir, RunProgressNotifier notifier, TimeProvider clock,
    IHostApplicationLifetime lifetime, GateService gate, WebhookService webhooks, Audit.AuditLog audit, ILogger<RunExecutor> logger)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    private readonly ConcurrentDictionary<Guid, ActiveRun> _active = new();

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

    public async Task ExecuteAsync(Guid runId, CancellationToken cancellationToken)
    {
        // Registered before the run is read, so a cancel that arrives while it starts is never lost.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        var active = new ActiveRun(cts);
        _active[runId] = active;
        try
        {
            await ExecuteRegisteredAsync(runId, active, cancellationToken);
        }
        finally
        {
            _active.TryRemove(runId, out _);
        }

        await RecordEndInAuditAsync(runId);
        await AnnounceOutcomeAsync(runId);
    }

    /// <summary>The audit trail says how every run ended (succeeded, failed, cancelled, interrupted), in the run's own words.</summary>
    private async Task RecordEndInAuditAsync(Guid runId)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            var run = await db.Runs.AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId);
            if (run is null || run.IsActive)
            {
                return;
            }

            audit.Add(db, "system", "run.ended", "run", run.Id,
                new { kind = run.Kind.ToString(), status = run.Status.ToString(), run.DryRun, message = run.Message, seconds = run.Duration?.TotalSeconds }, run.JobId);
            await db.SaveChangesAsync();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not record the end of run {RunId} in the audit trail", runId);
        }
    }

    /// <summary>
    /// Tells the gate and the helpdesk how the run ended: a failed run revokes an approved gate, and
    /// every finished run is a webhook event; a job that reached GateReady has its gate evaluated
    /// (which queues <c>migration.gate_ready</c>).
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
            if (run.Status == RunStatus.Failed)
            {
                await gate.EvaluateAsync(run.JobId);
                await webhooks.PublishAsync(WebhookEvents.RunFailed, run.JobId, payload);
                return;
            }

            await webhooks.PublishAsync(WebhookEvents.RunCompleted, run.JobId, payload);
            await gate.EvaluateAsync(run.JobId);
        }
        catch (Exception ex)
        {
            // The run's own outcome is already stored; a failed notification must not turn it into an error.
            logger.LogWarning(ex, "Could not announce the outcome of run {RunId} to the gate and webhooks", runId);
        }
    }

    private async Task ExecuteRegisteredAsync(Guid runId, ActiveRun active, CancellationToken cancellationToken)
    {
        var cts = active.Cts;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var run = await db.Runs.SingleOrDefaultAsync(r => r.Id == runId, cancellationToken);
        if (run is null || run.Status is not (RunStatus.Queued or RunStatus.Interrupted))
        {
            return;
        }

        var job = await db.Jobs.Include(j => j.Mailboxes).SingleAsync(j => j.Id == run.JobId, cancellationToken);
        var items = await db.Set<RunMailbox>().Where(m => m.RunId == runId).ToListAsync(cancellationToken);
        var mailboxes = items.Select(i => job.Mailboxes.Single(m => m.Id == i.MailboxId)).ToList();
        var secrets = mailboxes.ToDictionary(m => m.Id, m => (Source: protector.Unprotect(m.SourceSecretProtected), Destination: protector.Unprotect(m.DestinationSecretProtected)));
        var logPath = RunLog.PathFor(dataDir, job.Id, run.Id);
        using var log = new RunLog(logPath, secrets.Values.SelectMany(s => new[] { s.Source, s.Destination }), clock);

        try
        {
            if (job.Engine == SyncEngineKind.Imapsync && !run.DryRun)
            {
                // Checked again here: imapsync may have been removed since the run was queued.
                imapsync.EnsureAvailable();
            }

            var resumed = run.Status == RunStatus.Interrupted;
            run.Start(Now, logPath);
            foreach (var item in items)
            {
                item.MarkRunning();
            }

            if (run.Kind != RunKind.Preflight && !run.DryRun)
            {
                foreach (var m in mailboxes.Where(m => m.Status != MailboxStatus.Syncing))
                {
                    m.MarkSyncing();
                }
            }

            await db.SaveChangesAsync(cancellationToken);
            notifier.RunChanged(job.Id, run.Id);
            Line(log, run, null, $"{(resumed ? "Resuming" : "Starting")} {run.Kind.ToString().ToLowerInvariant()}{(run.DryRun ? " (dry run)" : "")} of {items.Count} mailbox(es): " +
                $"{job.Source} → {job.Destination}, requested by {run.RequestedBy}.");

            if (run.Kind == RunKind.Preflight)
            {
                await PreflightAsync(db, job, run, items, mailboxes, secrets, log, cts.Token);
            }
            else
            {
                await SyncAsync(db, job, run, items, mailboxes, secrets, log, cts.Token);
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            db.ChangeTracker.Clear();
            await RecordStopAsync(runId, active.CancelledBy, log);
        }
        catch (DomainException ex)
        {
            logger.LogWarning("Run {RunId} failed: {Reason}", runId, ex.Message);
            db.ChangeTracker.Clear();
            await RecordFailureAsync(runId, log.Redact(ex.Message), log);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Run {RunId} failed", runId);
            db.ChangeTracker.Clear();
            await RecordFailureAsync(runId, log.Redact(ex.Message), log);
        }
        finally
        {
            notifier.ClearProgress(runId);
            notifier.RunChanged(job.Id, runId);
        }
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Each mailbox of the run goes through the engine in one of the console-wide <see cref="MailboxSlots"/>;
    /// a mailbox that has to wait for one says so in the run's log.
    /// </summary>
    private async Task<IReadOnlyList<MailboxSyncResult>> InSlotsAsync(Run run, RunLog log, IReadOnlyList<SyncRequest> requests,
        Func<SyncRequest, IProgress<SyncProgressEvent>, CancellationToken, Task<IReadOnlyList<MailboxSyncResult>>> one,
        IProgress<SyncProgressEvent> progress, CancellationToken ct) =>
        await slots.ForEachAsync(requests, async (request, token) => (await one(request, progress, token)).Single(),
            request => Line(log, run, request.Source.User,
                $"Waiting for a free mailbox slot: {slots.InUse} of {slots.Capacity} are in use across all runs (Ligbox:Runs:MaxConcurrentMailboxes)."),
            ct);

    private string Line(RunLog log, Run run, string? mailbox, string message)
    {
        var line = log.Write(mailbox, message);
        notifier.Line(run.JobId, run.Id, line);
        return line;
    }

    private static ImapEndpoint Endpoint(ServerEndpoint server, string user, string secret) => new(server.Host, server.Port,
        server.Security switch
        {
            ImapSecurityMode.None => ImapSecurity.None,
            ImapSecurityMode.StartTls => ImapSecurity.StartTls,
            _ => ImapSecurity.Ssl,
        }, user, secret,
        server.Auth switch
        {
            ImapAuthMode.Login => ImapAuthMechanism.Login,
            ImapAuthMode.XOAuth2 => ImapAuthMechanism.XOAuth2,
            _ => ImapAuthMechanism.Plain,
        });

    private static FolderMappingOptions Mapping(MigrationJob job, Mailbox m) => new()
    {
        Include = job.Options.IncludeFolders,
        Exclude = job.Options.ExcludeFolders,
        Overrides = job.Options.FolderMappings,
        DestinationPrefix = m.DestinationFolderPrefix,
    };

    private async Task PreflightAsync(LigboxDbContext db, MigrationJob job, Run run, List<RunMailbox> items, List<Mailbox> mailboxes,
        Dictionary<Guid, (string Source, string Destination)> secrets, RunLog log, CancellationToken ct)
    {
        var failures = new List<string>();
        var viaImapsync = job.Engine == SyncEngineKind.Imapsync
            ? await InSlotsAsync(run, log, Requests(job, mailboxes, secrets, SyncKind.Initial), (request, progress, token) =>
                imapsync.PreflightManyAsync(new ImapsyncPassContext(job, run.Id, "preflight"), [request], 1, progress, token), Progress(job, run, log, mailboxes), ct)
            : null;
        foreach (var ((item, m), i) in items.Zip(mailboxes).Select((pair, i) => (pair, i)))
        {
            var (succeeded, message, summary) = viaImapsync is null
                ? await NativePreflightAsync(job, m, secrets[m.Id], log, ct)
                : ImapsyncPreflightOutcome(viaImapsync[i], log);
            item.Record(succeeded, message, JsonSerializer.Serialize(summary, Json));
            if (succeeded)
            {
                m.MarkReady(message);
            }
            else
            {
                m.MarkFailed(message);
                failures.Add(message);
            }

            Line(log, run, m.SourceLogin, message);
            await db.SaveChangesAsync(ct);
            notifier.RunChanged(job.Id, run.Id);
        }

        var stats = JsonSerializer.Serialize(new { mailboxes = items.Count, failed = failures.Count }, Json);
        if (failures.Count == 0)
        {
            run.Complete(Now, stats, $"Pre-flight OK for {items.Count} mailbox(es).");
        }
        else
        {
            run.Fail(Now, $"Pre-flight failed for {failures.Count} of {items.Count} mailbox(es): {string.Join("; ", failures)}", stats);
            RecordPhaseReason(job, run.Message!);
        }

        Line(log, run, null, run.Message!);
        await db.SaveChangesAsync(CancellationToken.None);
    }

    private async Task<(bool Succeeded, string Message, object Summary)> NativePreflightAsync(MigrationJob job, Mailbox m,
        (string Source, string Destination) s, RunLog log, CancellationToken ct)
    {
        var result = await engine.PreflightAsync(Endpoint(job.Source, m.SourceLogin, s.Source), Endpoint(job.Destination, m.DestinationLogin, s.Destination),
            Mapping(job, m), ct);
        // The planned mapping as the mapper will do it (destination folders not known yet: standard names).
        var mapper = new FolderMapper(Mapping(job, m));
        var planned = mapper.Map(result.Folders.Select(f => new SourceFolder(f.Name, '/', f.Role)), [], '/').ToDictionary(x => x.Source, x => x.Destination);
        var summary = new
        {
            succeeded = result.Succeeded,
            folderList = result.Folders.Select(f => new { name = f.Name, role = f.Role.ToString(), messages = f.Messages, bytes = f.Bytes, destination = planned.GetValueOrDefault(f.Name) }),
            folders = result.Folders.Count,
            messages = result.Folders.Sum(f => f.Messages),
            bytes = result.Folders.Sum(f => f.Bytes),
            quota = result.Quota,
            failures = result.Failures.Select(f => new { kind = f.Kind.ToString(), side = f.Side.ToString(), message = log.Redact(f.Message) }),
        };
        var message = result.Succeeded
            ? $"Pre-flight OK: {summary.folders} folders, {summary.messages} messages, {summary.bytes:N0} bytes."
            : string.Join("; ", result.Failures.Select(f => log.Redact(f.Message)));
        return (result.Succeeded, message, summary);
    }

    /// <summary>imapsync's --justlogin checks the logins only: no folder counts or quota to report.</summary>
    private static (bool Succeeded, string Message, object Summary) ImapsyncPreflightOutcome(MailboxSyncResult result, RunLog log)
    {
        var failures = result.Failure is { } f ? new[] { new { kind = f.Kind.ToString(), side = f.Side.ToString(), message = log.Redact(f.Message) } } : [];
        var summary = new
        {
            succeeded = result.Succeeded,
            engine = "imapsync",
            exitCode = result.Statistics?.ExitCode,
            exitMeaning = result.Statistics?.ExitMeaning,
            failures,
        };
        var message = result.Succeeded
            ? "Pre-flight OK: imapsync logged in to the source and the destination."
            : string.Join("; ", failures.Select(x => x.message));
        return (result.Succeeded, message, summary);
    }

    private static List<SyncRequest> Requests(MigrationJob job, List<Mailbox> mailboxes, Dictionary<Guid, (string Source, string Destination)> secrets, SyncKind kind) =>
        mailboxes.Select(m => new SyncRequest
        {
            Source = Endpoint(job.Source, m.SourceLogin, secrets[m.Id].Source),
            Destination = Endpoint(job.Destination, m.DestinationLogin, secrets[m.Id].Destination),
            Kind = kind,
            Verify = kind == SyncKind.Final,
            Mapping = Mapping(job, m),
            MailboxKey = m.Id.ToString(),
        }).ToList();

    /// <summary>
    /// Engine progress into the live figures and the run log. The native engine's figures become log lines;
    /// imapsync prints its own lines (one per message), which go to the log as they are.
    /// </summary>
    private SyncProgress Progress(MigrationJob job, Run run, RunLog log, List<Mailbox> mailboxes)
    {
        var logins = mailboxes.ToDictionary(m => m.Id.ToString(), m => m.SourceLogin);
        var figuresAsLines = job.Engine == SyncEngineKind.Native;
        return new SyncProgress(e =>
        {
            var login = logins.GetValueOrDefault(e.MailboxKey, e.MailboxKey);
            notifier.Report(job.Id, run.Id, login, e);
            var text = e.Stage == SyncProgressStage.Log ? e.Message : !figuresAsLines ? null : e.Stage switch
            {
                SyncProgressStage.MailboxStarted => $"Started: {e.MailboxTotal} messages in the selected folders.",
                SyncProgressStage.FolderProgress => $"{e.Folder}: {e.FolderDone}/{e.FolderTotal} ({e.MailboxDone}/{e.MailboxTotal} in the mailbox, {e.MessagesPerSecond:N0} msg/s).",
                SyncProgressStage.FolderCompleted => $"Folder {e.Folder} done: {e.FolderDone}/{e.FolderTotal}.",
                SyncProgressStage.MailboxCompleted => $"Mailbox done: {e.MailboxDone}/{e.MailboxTotal} messages, {e.BytesTransferred:N0} bytes.",
                _ => null,
            };
            if (text is not null)
            {
                Line(log, run, login, text);
            }
        });
    }

    private async Task SyncAsync(LigboxDbContext db, MigrationJob job, Run run, List<RunMailbox> items, List<Mailbox> mailboxes,
        Dictionary<Guid, (string Source, string Destination)> secrets, RunLog log, CancellationToken ct)
    {
        var kind = run.Kind switch
        {
            RunKind.Delta => SyncKind.Delta,
            RunKind.Final => SyncKind.Final,
            _ => SyncKind.Initial,
        };
        var requests = Requests(job, mailboxes, secrets, kind);

        // A dry run reads the source and plans with the native engine whichever engine the job uses: it
        // writes nothing, and imapsync's --dry prints no plan per folder.
        if (run.DryRun)
        {
            var plans = new List<object>();
            foreach (var (request, item) in requests.Zip(items))
            {
                var plan = await engine.PlanAsync(request, state, ct);
                var message = $"Dry run: {plan.Folders.Count} folders, {plan.SourceMessages} messages on the source, at most {plan.ToCopy} to copy.";
                item.Record(true, message, JsonSerializer.Serialize(plan, Json));
                Line(log, run, item.SourceLogin, message);
                plans.Add(new { item.SourceLogin, plan.SourceMessages, plan.ToCopy });
            }

            run.Complete(Now, JsonSerializer.Serialize(plans, Json), "Dry run: nothing was written.");
            await db.SaveChangesAsync(CancellationToken.None);
            return;
        }

        var context = new ImapsyncPassContext(job, run.Id, run.Kind.ToString().ToLowerInvariant());
        var results = await InSlotsAsync(run, log, requests, (request, progress, token) => job.Engine == SyncEngineKind.Imapsync
            ? imapsync.SyncManyAsync(context, [request], 1, progress, token)
            : engine.SyncManyAsync([request], 1, state, progress, token), Progress(job, run, log, mailboxes), ct);
        ct.ThrowIfCancellationRequested();

        var failed = new List<string>();
        var unverified = new List<string>();
        var total = new List<SyncStatistics>();
        foreach (var ((result, item), m) in results.Zip(items).Zip(mailboxes))
        {
            if (result is { Succeeded: true, Statistics: { } st })
            {
                total.Add(st);
                var verified = kind != SyncKind.Final || st.MissingOnDestination is null or 0;
                var message = $"{st.MessagesTransferred} copied, {st.MessagesSkipped} already there, {st.Errors} errors" +
                    (st.SourceMessages is { } sm ? $"; source {sm}, destination {st.DestinationMessages}" : "") +
                    (kind == SyncKind.Final ? $"; missing on the destination: {st.MissingOnDestination ?? 0}" : "") + ".";
                // A pass that completed succeeded; messages it could not verify are evidence for the gate,
                // which names them and lets an ops lead decide (grade "investigate"), not a failed mailbox.
                item.Record(true, message, RunStatisticsSerializer.Write(st));
                if (st.SourceMessages is { } src && st.DestinationMessages is { } dst)
                {
                    m.RecordCounts(src, dst, Now);
                }
                else
                {
                    m.MarkReady(message);
                }

                if (!verified)
                {
                    unverified.Add($"{m.SourceLogin}: {st.MissingOnDestination} messages missing on the destination");
                }

                Line(log, run, m.SourceLogin, message);
            }
            else
            {
                var message = log.Redact(result.Failure?.Message ?? "the pass did not complete");
                item.Record(false, message, result.Statistics is null ? null : RunStatisticsSerializer.Write(result.Statistics));
                m.MarkFailed(message);
                failed.Add($"{m.SourceLogin}: {message}");
                Line(log, run, m.SourceLogin, "Failed: " + message);
            }
        }

        var summary = JsonSerializer.Serialize(new
        {
            mailboxes = items.Count,
            failed = failed.Count,
            unverified = unverified.Count,
            messagesTransferred = total.Sum(s => s.MessagesTransferred),
            messagesSkipped = total.Sum(s => s.MessagesSkipped),
            bytesTransferred = total.Sum(s => s.BytesTransferred),
            errors = total.Sum(s => s.Errors),
            sourceMessages = total.Sum(s => s.SourceMessages ?? 0),
            destinationMessages = total.Sum(s => s.DestinationMessages ?? 0),
            missingOnDestination = kind == SyncKind.Final ? total.Sum(s => s.MissingOnDestination ?? 0) : (int?)null,
        }, Json);
        var problems = failed;
        if (problems.Count == 0)
        {
            run.Complete(Now, summary, $"{run.Kind} sync of {items.Count} mailbox(es) done: {total.Sum(s => s.MessagesTransferred)} messages copied" +
                (kind != SyncKind.Final ? "." : unverified.Count == 0 ? ", every message verified on the destination."
                    : $"; not on the destination yet: {string.Join("; ", unverified)} (see the gate, or run a delta to copy them)."));
            if (kind == SyncKind.Final && unverified.Count == 0 && items.Count == job.Mailboxes.Count && MigrationJob.CanMoveTo(job.Phase, MigrationPhase.GateReady))
            {
                job.MoveTo(MigrationPhase.GateReady, Now, "Final sync verified.");
            }
        }
        else
        {
            run.Fail(Now, $"{problems.Count} of {items.Count} mailbox(es) failed: {string.Join("; ", problems)}", summary);
            RecordPhaseReason(job, run.Message!);
        }

        Line(log, run, null, run.Message!);
        await db.SaveChangesAsync(CancellationToken.None);
    }

    /// <summary>A failed run keeps the job's phase and records why.</summary>
    private void RecordPhaseReason(MigrationJob job, string reason)
    {
        if (MigrationJob.CanMoveTo(job.Phase, job.Phase))
        {
            job.MoveTo(job.Phase, Now, reason.Length > 1000 ? reason[..1000] : reason);
        }
    }

    private async Task RecordStopAsync(Guid runId, string? cancelledBy, RunLog log)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        var run = await db.Runs.SingleAsync(r => r.Id == runId);
        var items = await db.Set<RunMailbox>().Where(m => m.RunId == runId).ToListAsync();
        if (cancelledBy is not null)
        {
            if (run.IsActive)
            {
                run.Cancel(Now, cancelledBy);
            }

            foreach (var item in items)
            {
                item.Close(RunStatus.Cancelled);
            }

            var ids = items.Select(i => i.MailboxId).ToList();
            foreach (var m in await db.Mailboxes.Where(m => ids.Contains(m.Id) && m.Status == MailboxStatus.Syncing).ToListAsync())
            {
                m.MarkReady("The sync was cancelled; the next pass continues where it stopped.");
            }

            Line(log, run, null, $"Cancelled by {cancelledBy}.");
        }
        else if (run.Status == RunStatus.Running)
        {
            run.Interrupt("The console stopped during the run; it is resumed at the next start.");
            Line(log, run, null, "The console is stopping: the run is interrupted and resumes at the next start.");
        }

        await db.SaveChangesAsync();
    }

    private async Task RecordFailureAsync(Guid runId, string reason, RunLog log)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        var run = await db.Runs.SingleAsync(r => r.Id == runId);
        if (!run.IsActive)
        {
            return;
        }

        run.Fail(Now, reason);
        foreach (var item in await db.Set<RunMailbox>().Where(m => m.RunId == runId).ToListAsync())
        {
            item.Close(RunStatus.Failed);
        }

        var job = await db.Jobs.SingleAsync(j => j.Id == run.JobId);
        RecordPhaseReason(job, reason);
        Line(log, run, null, "Failed: " + reason);
        await db.SaveChangesAsync();
    }

    private sealed class ActiveRun(CancellationTokenSource cts)
    {
        public CancellationTokenSource Cts { get; } = cts;
        public string? CancelledBy { get; set; }
    }

    /// <summary>Reports synchronously on the engine's thread (Progress&lt;T&gt; would reorder events).</summary>
    private sealed class SyncProgress(Action<SyncProgressEvent> report) : IProgress<SyncProgressEvent>
    {
        public void Report(SyncProgressEvent value) => report(value);
    }
}
