using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ligbox.Core.Audit;
using Ligbox.Core.Jobs;
using Ligbox.Core.Localization;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Core.Webhooks;
using Ligbox.Tools.Statistics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Gate;

public sealed record GateView(
    Guid JobId,
    string Domain,
    string JobName,
    MigrationPhase Phase,
    GateState State,
    GateResult Result,
    string? ApprovedBy,
    DateTime? ApprovedAtUtc,
    string? DecidedBy,
    DateTime? DecidedAtUtc,
    string? Comment,
    bool AcceptedMissing,
    IReadOnlyList<AuditEntryDto> Events)
{
    /// <summary>The ops lead accepted the excluded mailboxes (<see cref="GateResult.Excluded"/>) with the approval.</summary>
    public bool AcceptedExcluded { get; init; }

    /// <summary>
    /// Why a stored approval no longer holds, in words. Reading never writes: the view already shows the
    /// gate as it will be (not approved), and the next evaluation records the revocation.
    /// </summary>
    public IReadOnlyList<string> RevokeReasons { get; init; } = [];
}

/// <summary>What of a gate's per-mailbox figures and reasons a page keeps: one page of the mailboxes and the first reasons.</summary>
public sealed record GateSlice(int Skip, int Take, int MaxReasons);

/// <summary>
/// A <see cref="GateView"/> whose <see cref="GateResult.Mailboxes"/> and <see cref="GateResult.Reasons"/> hold only the
/// asked slice, with their full counts: the job page of a 10,000-mailbox job keeps 25 rows, not the job.
/// </summary>
public sealed record GateViewSlice(GateView View, int MailboxTotal, int ReasonTotal);

/// <summary>
/// The migration gate of a job. Reading (<see cref="GetAsync(Guid, CancellationToken)"/>) is a pure read: it computes
/// the gate from the stored decision and the current figures and writes nothing. <see cref="EvaluateAsync"/> is the
/// one writer of transitions (the row, Blocked ↔ Ready, automatic revocation, the job's phase, audit and
/// webhooks); approving and revoking go through the same code, guarded by the gate's concurrency token.
/// </summary>
public sealed class GateService(IDbContextFactory<LigboxDbContext> dbFactory, AuditLog audit, WebhookService webhooks,
    TimeProvider clock, IOptions<GateOptions> options, Desk.DeskService desk)
{
    private const int Attempts = 8;
    // Relaxed escaping: the audit trail keeps the sentences readable ("job's", "→") for people and the audit view.
    private static readonly JsonSerializerOptions SnapshotJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The gate as it is now. Writes nothing.</summary>
    public Task<GateView> GetAsync(Guid jobId, CancellationToken ct = default) => GetAsync(jobId, true, ct);

    /// <summary>The gate as it is now, with or without its audit trail. Writes nothing.</summary>
    public async Task<GateView> GetAsync(Guid jobId, bool includeEvents, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var facts = await LoadAsync(db, jobId, track: false, ct);
        var decision = Decide(facts);
        return await ViewAsync(facts, decision, includeEvents, ct);
    }

    /// <summary>The gate as it is now with one slice of its mailboxes and reasons (the figures and the grade are the whole job's). Writes nothing.</summary>
    public async Task<GateViewSlice> GetSliceAsync(Guid jobId, GateSlice slice, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(slice);
        var view = await GetAsync(jobId, true, ct);
        var result = view.Result;
        var trimmed = result with
        {
            Mailboxes = result.Mailboxes.Skip(Math.Max(0, slice.Skip)).Take(Math.Max(0, slice.Take)).ToList(),
            Reasons = result.Reasons.Take(Math.Max(0, slice.MaxReasons)).ToList(),
        };
        return new GateViewSlice(view with { Result = trimmed }, result.Mailboxes.Count, result.Reasons.Count);
    }

    /// <summary>The most recent job for the domain that is not cancelled; null when there is none. Writes nothing.</summary>
    public async Task<GateView?> FindByDomainAsync(string domain, CancellationToken ct = default)
    {
        var normalized = MigrationJob.NormalizeDomain(domain);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var jobs = await db.Jobs.AsNoTracking().Where(j => j.Domain == normalized && j.Phase != MigrationPhase.Cancelled)
            .Select(j => new { j.Id, j.CreatedAtUtc }).ToListAsync(ct);
        var latest = jobs.OrderByDescending(j => j.CreatedAtUtc).FirstOrDefault();
        return latest is null ? null : await GetAsync(latest.Id, ct);
    }

    /// <summary>
    /// The one writer of the gate's transitions: creates the row, moves Blocked ↔ Ready, revokes an approval
    /// that no longer holds (with the reasons in words, an audit entry and <c>migration.gate_revoked</c>), moves
    /// the job's phase and queues <c>migration.gate_ready</c>. Called after every run and every change of a job's
    /// mailboxes or settings. Safe to call concurrently: a conflicting writer is retried on fresh state.
    /// </summary>
    public Task<GateView> EvaluateAsync(Guid jobId, CancellationToken ct = default) =>
        WriteAsync(jobId, null, ct);

    public Task<GateView> ApproveAsync(Guid jobId, string by, string? comment, bool acceptMissing, CancellationToken ct = default) =>
        ApproveAsync(jobId, by, comment, acceptMissing, false, ct);

    /// <summary>Approves the gate as it is now; the approval is bound to the job's current inputs (<see cref="GateFingerprint"/>).</summary>
    public async Task<GateView> ApproveAsync(Guid jobId, string by, string? comment, bool acceptMissing, bool acceptExcluded, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ApproveGate, ct); // issue 12: the caller's rights now
        var view = await WriteAsync(jobId, async (db, facts) =>
        {
            facts.Gate!.Approve(facts.Result, by, comment, acceptMissing, acceptExcluded, facts.Fingerprint.ToJson(), Now);
            MovePhase(facts.Job, MigrationPhase.GateReady);
            MovePhase(facts.Job, MigrationPhase.GateApproved);
            // The report goes to the job's ticket with the approval (same transaction), when the Desk connection says so.
            await desk.EnqueueOnApprovalAsync(db, facts.Job, by, ct);
            return ("gate.approved", by, WebhookEvents.GateApproved);
        }, ct);
        desk.Wake();
        return view;
    }

    public async Task<GateView> RevokeAsync(Guid jobId, string by, string? comment, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ApproveGate, ct); // issue 12: the caller's rights now
        return await WriteAsync(jobId, (db, facts) =>
        {
            facts.Gate!.Revoke(by, comment, Now);
            MovePhase(facts.Job, PhaseFor(facts.Job.Phase, facts.Result.IsBlocked ? GateState.Blocked : GateState.Revoked));
            return Task.FromResult(("gate.revoked", by, WebhookEvents.GateRevoked));
        }, ct);
    }

    private async Task<GateView> WriteAsync(Guid jobId, Func<LigboxDbContext, Facts, Task<(string Action, string Actor, string Webhook)>>? decide,
        CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var facts = await LoadAsync(db, jobId, track: true, ct);
            if (facts.Gate is null)
            {
                facts = facts with { Gate = new MigrationGate(jobId, Now) };
                db.Gates.Add(facts.Gate);
            }

            var queued = await ApplyAsync(db, facts, ct);
            if (decide is not null)
            {
                var (action, actor, webhook) = await decide(db, facts);
                var snapshot = Snapshot(facts.Job, facts.Gate, facts.Result);
                audit.Add(db, actor, action, "Gate", jobId, JsonSerializer.Serialize(snapshot, SnapshotJson), jobId);
                await webhooks.EnqueueAsync(db, webhook, jobId, snapshot, ct);
                queued = true;
            }

            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException) when (attempt < Attempts)
            {
                // Another writer changed (or created) the gate row first: decide again on what it wrote.
                await Task.Delay(Random.Shared.Next(5, 25) * attempt, ct);
                continue;
            }

            if (queued)
            {
                webhooks.Wake();
            }

            return await ViewAsync(facts, Decide(facts), true, ct);
        }
    }

    /// <summary>Applies what <see cref="Decide"/> says to the tracked gate and job; true when a webhook was queued.</summary>
    private async Task<bool> ApplyAsync(LigboxDbContext db, Facts facts, CancellationToken ct)
    {
        var gate = facts.Gate!;
        var job = facts.Job;
        var decision = Decide(facts);
        var queued = false;
        if (gate.State == GateState.Approved && decision.RevokeReasons.Count > 0)
        {
            var words = "Revoked automatically: " + string.Join("; ", decision.RevokeReasons) + ".";
            gate.RevokeAutomatically(facts.Result, words, Now);
            var snapshot = Snapshot(job, gate, facts.Result, decision.RevokeReasons);
            audit.Add(db, "system", "gate.revoked", "Gate", job.Id, JsonSerializer.Serialize(snapshot, SnapshotJson), job.Id);
            await webhooks.EnqueueAsync(db, WebhookEvents.GateRevoked, job.Id, snapshot, ct);
            queued = true;
        }
        else if (facts.BlockedOnlyByActiveRun)
        {
            // The stored state stays (no transition, no audit entry, no webhook): the run's own entries say what happens,
            // and when it ends the gate is evaluated again on its figures.
        }
        else if (gate.Follow(facts.Result, Now) || gate.FollowRevoked(facts.Result, Now))
        {
            if (gate.State == GateState.Ready)
            {
                await webhooks.EnqueueAsync(db, WebhookEvents.GateReady, job.Id, Snapshot(job, gate, facts.Result), ct);
                queued = true;
            }

            audit.Add(db, "system", gate.State == GateState.Ready ? "gate.ready" : "gate.blocked", "Gate", job.Id,
                JsonSerializer.Serialize(Snapshot(job, gate, facts.Result), SnapshotJson), job.Id);
        }

        // The phase follows the gate as it is shown (Blocked while a run is active, whatever is stored).
        var shown = facts.BlockedOnlyByActiveRun && gate.State != GateState.Approved ? GateState.Blocked : gate.State;
        MovePhase(job, PhaseFor(job.Phase, shown), shown == GateState.Blocked ? "The gate is blocked: " + string.Join(" ", facts.Result.Reasons) : null);
        return queued;
    }

    private sealed record Decision(GateState State, IReadOnlyList<string> RevokeReasons);

    /// <summary>What the gate is now, from the stored decision and the current figures. Pure: reading and writing share it.</summary>
    private static Decision Decide(Facts facts)
    {
        var stored = facts.Gate?.State ?? GateState.Blocked;
        var result = facts.Result;
        if (stored == GateState.Approved)
        {
            var reasons = ApprovalProblems(facts);
            return reasons.Count == 0
                ? new Decision(GateState.Approved, [])
                : new Decision(result.IsBlocked ? GateState.Blocked : GateState.Revoked, reasons);
        }

        if (stored == GateState.Revoked)
        {
            return new Decision(result.IsBlocked ? GateState.Blocked : GateState.Revoked, []);
        }

        return new Decision(result.IsBlocked ? GateState.Blocked : GateState.Ready, []);
    }

    /// <summary>Why an approval no longer holds: its inputs changed, a run failed after it, or the figures no longer allow it.</summary>
    private static List<string> ApprovalProblems(Facts facts)
    {
        var gate = facts.Gate!;
        var reasons = new List<string>();
        if (GateFingerprint.FromJson(gate.ApprovedInputsJson) is { } approved)
        {
            reasons.AddRange(facts.Fingerprint.Changes(approved));
        }

        foreach (var run in facts.Runs.Where(r => r.Status == RunStatus.Failed && !r.DryRun && r.EndedAtUtc > gate.DecidedAtUtc).OrderBy(r => r.EndedAtUtc))
        {
            var ended = run.EndedAtUtc?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
            reasons.Add(string.IsNullOrWhiteSpace(run.Message)
                ? CoreText.English("the {0} run that ended at {1} UTC failed after the approval", run.Kind.ToString().ToLowerInvariant(), ended)
                : CoreText.English("the {0} run that ended at {1} UTC failed after the approval ({2})", run.Kind.ToString().ToLowerInvariant(), ended, Trim(run.Message)));
        }

        if (facts.Result.IsBlocked)
        {
            reasons.Add(CoreText.English("the gate is blocked now: {0}", string.Join(" ", facts.Result.Reasons.Take(5))));
        }
        else if (facts.Result.Grade == GateGrade.Investigate && !gate.AcceptedMissing)
        {
            reasons.Add(CoreText.English("{0} named message(s) are missing now and were not accepted", facts.Result.Missing.Count));
        }
        else if (facts.Result.Excluded.Count > 0 && !gate.AcceptedExcluded)
        {
            reasons.Add(CoreText.English("mailboxes are excluded now that the approval did not accept"));
        }

        return reasons;
    }

    private static string Trim(string text) => text.Length > 300 ? text[..297] + "..." : text;

    /// <summary>Where the job's phase goes for a gate state (it stays where the life cycle does not allow the move).</summary>
    private static MigrationPhase PhaseFor(MigrationPhase phase, GateState state) => state switch
    {
        GateState.Approved => phase == MigrationPhase.GateReady ? MigrationPhase.GateApproved : phase,
        GateState.Ready or GateState.Revoked => phase is MigrationPhase.FinalSync or MigrationPhase.GateApproved ? MigrationPhase.GateReady : phase,
        // Blocked after a final: the job is back to its final sync (a new final, or a fix, makes it ready again).
        _ => phase is MigrationPhase.GateReady or MigrationPhase.GateApproved ? MigrationPhase.FinalSync : phase,
    };

    /// <summary>What the gate is computed from. The fingerprint is built only when asked (an approval, or checking one).</summary>
    private sealed record Facts(MigrationJob Job, MigrationGate? Gate, GateResult Result, Lazy<GateFingerprint> LazyFingerprint, IReadOnlyList<Run> Runs,
        GateInput Input)
    {
        public GateFingerprint Fingerprint => LazyFingerprint.Value;

        /// <summary>
        /// Blocked only because a run is active: the figures alone would not block. Every run start would otherwise
        /// store Blocked and every run end Ready again, so a delta after a ready gate recorded "the gate became ready"
        /// with the same figures once more. The view still shows Blocked while the run is active (<see cref="Decide"/>).
        /// </summary>
        public bool BlockedOnlyByActiveRun => _blockedOnlyByActiveRun ??=
            Result.IsBlocked && Input.RunActive && !GateCalculator.Calculate(Input with { RunActive = false }).IsBlocked;

        private bool? _blockedOnlyByActiveRun;
    }

    /// <summary>The columns of a mailbox the gate reads (no secrets, no tracked entity: 10,000 of them stay cheap).</summary>
    private sealed record GateMailboxRow(Guid Id, string SourceLogin, string DestinationLogin, string? DestinationFolderPrefix, int CredentialsVersion,
        bool Excluded, string? ExcludedReason, string? ExcludedBy, DateTime? ExcludedAtUtc, long? LastSourceCount, long? LastDestinationCount,
        DateTime? LastSyncedAtUtc, MailboxStatus Status, string? StatusMessage);

    private async Task<Facts> LoadAsync(LigboxDbContext db, Guid jobId, bool track, CancellationToken ct)
    {
        var jobs = db.Jobs.AsQueryable();
        var gates = db.Gates.AsQueryable();
        if (!track)
        {
            jobs = jobs.AsNoTracking();
            gates = gates.AsNoTracking();
        }

        var job = await jobs.FirstOrDefaultAsync(j => j.Id == jobId, ct) ?? throw new NotFoundException("Job", jobId);
        var mailboxes = await db.Mailboxes.AsNoTracking().Where(m => m.JobId == jobId)
            .Select(m => new GateMailboxRow(m.Id, m.SourceLogin, m.DestinationLogin, m.DestinationFolderPrefix, m.CredentialsVersion, m.Excluded,
                m.ExcludedReason, m.ExcludedBy, m.ExcludedAtUtc, m.LastSourceCount, m.LastDestinationCount, m.LastSyncedAtUtc, m.Status, m.StatusMessage))
            .ToListAsync(ct);
        var gate = await gates.FirstOrDefaultAsync(g => g.JobId == jobId, ct);
        var runs = await db.Runs.AsNoTracking().Where(r => r.JobId == jobId).ToListAsync(ct);
        var ended = runs.Where(r => r.Status is RunStatus.Succeeded or RunStatus.Failed && !r.DryRun).ToDictionary(r => r.Id);
        var relevantKinds = job.HasSource ? new[] { RunKind.Final } : [RunKind.Pst, RunKind.Tgz];
        var runIds = ended.Values.Where(r => relevantKinds.Contains(r.Kind)).Select(r => r.Id).ToList();
        // Only the succeeded rows count; the newest per mailbox is chosen below (its statistics are read only for it).
        var rows = await db.Set<RunMailbox>().AsNoTracking().Where(m => runIds.Contains(m.RunId) && m.Status == RunStatus.Succeeded)
            .Select(m => new { m.MailboxId, m.RunId, m.ResultJson }).ToListAsync(ct);

        var included = mailboxes.Where(m => !m.Excluded).OrderBy(m => m.SourceLogin, StringComparer.Ordinal).ToList();
        Dictionary<Guid, Guid> finalRuns;
        List<GateMailboxInput> inputs;
        bool finalDone;
        if (job.HasSource)
        {
            // Each mailbox's own latest succeeded final pass: one failed mailbox does not hide the others' finals.
            var latest = rows.GroupBy(r => r.MailboxId)
                .ToDictionary(g => g.Key, g => g.OrderByDescending(r => ended[r.RunId].EndedAtUtc).First());
            finalRuns = latest.ToDictionary(kv => kv.Key, kv => kv.Value.RunId);
            finalDone = latest.Count > 0;
            inputs = included.Select(m => ToInput(m, latest.TryGetValue(m.Id, out var row) ? RunStatisticsSerializer.ReadSync(row.ResultJson) : null,
                latest.ContainsKey(m.Id))).ToList();
        }
        else
        {
            (finalRuns, inputs) = ImportInputs(included, rows.Select(r => (r.MailboxId, r.RunId)).ToList(), ended);
            finalDone = finalRuns.Count > 0;
        }

        var input = new GateInput(
            job.GateThreshold,
            TimeSpan.FromHours(options.Value.MaxVerificationAgeHours),
            Now,
            finalDone,
            runs.Any(r => r.IsActive),
            inputs)
        {
            Excluded = mailboxes.Where(m => m.Excluded).OrderBy(m => m.SourceLogin, StringComparer.Ordinal)
                .Select(m => new GateExcludedMailbox(m.SourceLogin, m.ExcludedReason, m.ExcludedBy, m.ExcludedAtUtc)).ToList(),
        };
        var fingerprint = new Lazy<GateFingerprint>(() => GateFingerprint.Of(job, mailboxes.Select(m => new GateFingerprintMailbox(m.Id, m.SourceLogin,
            m.DestinationLogin, m.DestinationFolderPrefix, m.CredentialsVersion, m.Excluded, null)), finalRuns));
        return new Facts(job, gate, GateCalculator.Calculate(input), fingerprint, runs, input);
    }

    private static GateMailboxInput ToInput(GateMailboxRow m, SyncStatistics? stats, bool finalDone) => new(
        m.SourceLogin,
        m.LastSourceCount,
        m.LastDestinationCount,
        m.LastSyncedAtUtc,
        m.Status == MailboxStatus.Failed,
        m.StatusMessage,
        stats?.SourceBytes,
        stats?.DestinationBytes,
        stats?.Missing.Select(x => new GateMissingMessage(m.SourceLogin, x.Folder, x.MessageId, x.Subject, x.Date)).ToList(),
        finalDone);

    /// <summary>
    /// A PST/mbox-only job: what the imports put there. Per mailbox, the messages parsed from each file (its
    /// latest succeeded import) against each destination folder's count measured after the import, capped at
    /// what was parsed into that folder (a folder that held mail before cannot hide a missing one elsewhere).
    /// </summary>
    private static (Dictionary<Guid, Guid> Runs, List<GateMailboxInput> Inputs) ImportInputs(List<GateMailboxRow> mailboxes,
        List<(Guid MailboxId, Guid RunId)> rows, Dictionary<Guid, Run> runs)
    {
        var used = new Dictionary<Guid, Guid>();
        var inputs = new List<GateMailboxInput>();
        var rowsByMailbox = rows.ToLookup(r => r.MailboxId);
        foreach (var m in mailboxes)
        {
            var imports = rowsByMailbox[m.Id]
                .Select(r => (Run: runs[r.RunId], Stats: RunStatisticsSerializer.ReadImport(runs[r.RunId].StatisticsJson)))
                .Where(x => x.Stats is not null).OrderBy(x => x.Run.EndedAtUtc).ToList();
            if (imports.Count == 0)
            {
                inputs.Add(new GateMailboxInput(m.SourceLogin, null, null, null, m.Status == MailboxStatus.Failed, m.StatusMessage, FinalDone: false));
                continue;
            }

            used[m.Id] = imports[^1].Run.Id;
            var files = imports.Where(x => x.Stats!.SourceName != "quarantine").GroupBy(x => x.Stats!.SourceName).Select(g => g.Last().Stats!).ToList();
            var parsedByFolder = files.SelectMany(s => s.Folders).Where(f => f.Destination.Length > 0)
                .GroupBy(f => f.Destination).ToDictionary(g => g.Key, g => (long)g.Sum(f => f.Parsed));
            var measured = new Dictionary<string, long>();
            foreach (var folder in imports.SelectMany(x => x.Stats!.Folders).Where(f => f.Destination.Length > 0 && f.DestinationMessages is not null))
            {
                measured[folder.Destination] = folder.DestinationMessages!.Value; // the latest measurement wins
            }

            var source = parsedByFolder.Values.Sum();
            var destination = parsedByFolder.Sum(kv => Math.Min(measured.GetValueOrDefault(kv.Key), kv.Value));
            inputs.Add(new GateMailboxInput(m.SourceLogin, source, destination, imports[^1].Run.EndedAtUtc,
                m.Status == MailboxStatus.Failed, m.StatusMessage, files.Sum(s => s.SourceBytes), null));
        }

        return (used, inputs);
    }

    private void MovePhase(MigrationJob job, MigrationPhase target, string? reason = null)
    {
        // The gate is the authority; the phase follows where the job's life cycle allows it.
        if (job.Phase != target && MigrationJob.CanMoveTo(job.Phase, target))
        {
            job.MoveTo(target, Now, reason is { Length: > 1000 } ? reason[..1000] : reason);
        }
    }

    private async Task<GateView> ViewAsync(Facts facts, Decision decision, bool includeEvents, CancellationToken ct)
    {
        var job = facts.Job;
        var gate = facts.Gate;
        var events = includeEvents
            ? (await audit.ListAsync(job.Id, 200, ct)).Where(e => e.Action.StartsWith("gate.", StringComparison.Ordinal)).ToList()
            : [];
        var approved = decision.State == GateState.Approved;
        return new GateView(job.Id, job.Domain, job.Name, PhaseFor(job.Phase, decision.State), decision.State, facts.Result,
            approved ? gate!.DecidedBy : null, approved ? gate!.DecidedAtUtc : null,
            gate?.DecidedBy, gate?.DecidedAtUtc, gate?.Comment, approved && gate!.AcceptedMissing, events)
        {
            AcceptedExcluded = approved && gate!.AcceptedExcluded,
            RevokeReasons = decision.RevokeReasons,
        };
    }

    private static object Snapshot(MigrationJob job, MigrationGate gate, GateResult result, IReadOnlyList<string>? revokeReasons = null) => new
    {
        jobId = job.Id,
        domain = job.Domain,
        state = gate.State.ToString(),
        grade = result.Grade.ToString(),
        ratio = result.Ratio,
        bytesRatio = result.BytesRatio,
        sourceMessages = result.SourceMessages,
        destinationMessages = result.DestinationMessages,
        threshold = result.Threshold,
        comment = gate.Comment,
        acceptedMissing = gate.AcceptedMissing,
        acceptedExcluded = gate.AcceptedExcluded,
        revokedBecause = revokeReasons,
        excluded = result.Excluded,
        missing = result.Missing,
        mailboxes = result.Mailboxes,
        reasons = result.Reasons,
    };

    private DateTime Now => clock.GetUtcNow().UtcDateTime;
}
