using System.Text.Json;
using System.Text.Json.Serialization;
using Ligbox.Core.Audit;
using Ligbox.Core.Jobs;
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
    IReadOnlyList<AuditEntryDto> Events);

/// <summary>
/// Loads the gate's inputs from what the runs persisted (mailbox counts, the latest succeeded final
/// run, active runs, failed mailboxes), asks <see cref="GateCalculator"/> and records every transition.
/// </summary>
public sealed class GateService(IDbContextFactory<LigboxDbContext> dbFactory, AuditLog audit, WebhookService webhooks,
    TimeProvider clock, IOptions<GateOptions> options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly JsonSerializerOptions SnapshotJson = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    /// <summary>The gate now; moves Blocked ↔ Ready when the figures say so (the run executor may call it after a final sync).</summary>
    public async Task<GateView> GetAsync(Guid jobId, CancellationToken ct = default) => await GetAsync(jobId, true, ct);

    public async Task<GateView> GetAsync(Guid jobId, bool includeEvents, CancellationToken ct = default)
    {
        try
        {
            return await RefreshAsync(jobId, includeEvents, ct);
        }
        catch (DbUpdateException)
        {
            // Two first looks at the same job raced to create its gate row; the other one won, read it.
            return await RefreshAsync(jobId, includeEvents, ct);
        }
    }

    private async Task<GateView> RefreshAsync(Guid jobId, bool includeEvents, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (job, gate, result) = await LoadAsync(db, jobId, ct);
        if (gate.Follow(result, Now))
        {
            if (gate.State == GateState.Ready)
            {
                MovePhase(job, MigrationPhase.GateReady);
                await webhooks.EnqueueAsync(db, WebhookEvents.GateReady, jobId, Snapshot(job, gate, result), ct);
            }

            audit.Add(db, "system", gate.State == GateState.Ready ? "gate.ready" : "gate.blocked", "Gate", jobId, SnapshotText(job, gate, result), jobId);
            await db.SaveChangesAsync(ct);
            webhooks.Wake();
        }
        else if (db.ChangeTracker.HasChanges())
        {
            await db.SaveChangesAsync(ct);
        }

        return await ViewAsync(job, gate, result, ct, includeEvents);
    }

    /// <summary>The most recent job for the domain that is not cancelled; null when there is none.</summary>
    public async Task<GateView?> FindByDomainAsync(string domain, CancellationToken ct = default)
    {
        var normalized = MigrationJob.NormalizeDomain(domain);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var jobs = await db.Jobs.AsNoTracking().Where(j => j.Domain == normalized && j.Phase != MigrationPhase.Cancelled)
            .Select(j => new { j.Id, j.CreatedAtUtc }).ToListAsync(ct);
        var latest = jobs.OrderByDescending(j => j.CreatedAtUtc).FirstOrDefault();
        return latest is null ? null : await GetAsync(latest.Id, ct);
    }

    public async Task<GateView> ApproveAsync(Guid jobId, string by, string? comment, bool acceptMissing, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ApproveGate, ct); // issue 12: the caller's rights now
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (job, gate, result) = await LoadAsync(db, jobId, ct);
        gate.Follow(result, Now);
        gate.Approve(result, by, comment, acceptMissing, Now);
        MovePhase(job, MigrationPhase.GateReady);
        MovePhase(job, MigrationPhase.GateApproved);
        var snapshot = Snapshot(job, gate, result);
        audit.Add(db, by, "gate.approved", "Gate", jobId, JsonSerializer.Serialize(snapshot, SnapshotJson), jobId);
        await webhooks.EnqueueAsync(db, WebhookEvents.GateApproved, jobId, snapshot, ct);
        await db.SaveChangesAsync(ct);
        webhooks.Wake();
        return await ViewAsync(job, gate, result, ct);
    }

    public async Task<GateView> RevokeAsync(Guid jobId, string by, string? comment, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ApproveGate, ct); // issue 12: the caller's rights now
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (job, gate, result) = await LoadAsync(db, jobId, ct);
        gate.Revoke(by, comment, Now);
        MovePhase(job, MigrationPhase.GateReady);
        var snapshot = Snapshot(job, gate, result);
        audit.Add(db, by, "gate.revoked", "Gate", jobId, JsonSerializer.Serialize(snapshot, SnapshotJson), jobId);
        await webhooks.EnqueueAsync(db, WebhookEvents.GateRevoked, jobId, snapshot, ct);
        await db.SaveChangesAsync(ct);
        webhooks.Wake();
        return await ViewAsync(job, gate, result, ct);
    }

    /// <summary>For the run executor: a run of this job failed. An approved gate no longer holds and is revoked.</summary>
    public async Task OnRunFailedAsync(Guid jobId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var gate = await db.Gates.FirstOrDefaultAsync(g => g.JobId == jobId, ct);
        if (gate?.State != GateState.Approved)
        {
            return;
        }

        var (job, _, result) = await LoadAsync(db, jobId, ct);
        gate.Revoke("system", "Revoked automatically: a run failed after the approval.", Now);
        MovePhase(job, MigrationPhase.GateReady);
        var snapshot = Snapshot(job, gate, result);
        audit.Add(db, "system", "gate.revoked", "Gate", jobId, JsonSerializer.Serialize(snapshot, SnapshotJson), jobId);
        await webhooks.EnqueueAsync(db, WebhookEvents.GateRevoked, jobId, snapshot, ct);
        await db.SaveChangesAsync(ct);
        webhooks.Wake();
    }

    private async Task<(MigrationJob Job, MigrationGate Gate, GateResult Result)> LoadAsync(LigboxDbContext db, Guid jobId, CancellationToken ct)
    {
        var job = await db.Jobs.Include(j => j.Mailboxes).FirstOrDefaultAsync(j => j.Id == jobId, ct)
            ?? throw new NotFoundException("Job", jobId);
        var gate = await db.Gates.FirstOrDefaultAsync(g => g.JobId == jobId, ct);
        if (gate is null)
        {
            gate = new MigrationGate(jobId, Now);
            db.Gates.Add(gate);
        }

        var runs = await db.Runs.AsNoTracking().Where(r => r.JobId == jobId).ToListAsync(ct);
        var final = runs.Where(r => r.Kind == RunKind.Final && r.Status == RunStatus.Succeeded)
            .OrderByDescending(r => r.EndedAtUtc).FirstOrDefault();
        var statistics = ReadStatistics(final?.StatisticsJson, job.Mailboxes);
        if (final is not null)
        {
            // The run executor keeps each mailbox's statistics (bytes, the named missing messages) on its run row.
            var perMailbox = await db.Set<RunMailbox>().AsNoTracking().Where(m => m.RunId == final.Id && m.ResultJson != null).ToListAsync(ct);
            foreach (var row in perMailbox)
            {
                if (TryReadStatistics(row.ResultJson!) is { } stats)
                {
                    statistics[Mailbox.NormalizeLogin(row.SourceLogin)] = stats;
                }
            }
        }

        var input = new GateInput(
            job.GateThreshold,
            TimeSpan.FromHours(options.Value.MaxVerificationAgeHours),
            Now,
            final is not null,
            runs.Any(r => r.IsActive),
            job.Mailboxes.OrderBy(m => m.SourceLogin).Select(m => ToInput(m, statistics.GetValueOrDefault(m.SourceLogin))).ToList());
        return (job, gate, GateCalculator.Calculate(input));
    }

    private static GateMailboxInput ToInput(Mailbox m, SyncStatistics? stats) => new(
        m.SourceLogin,
        m.LastSourceCount,
        m.LastDestinationCount,
        m.LastSyncedAtUtc,
        m.Status == MailboxStatus.Failed,
        m.StatusMessage,
        stats?.SourceBytes,
        stats?.DestinationBytes,
        stats?.Missing.Select(x => new GateMissingMessage(m.SourceLogin, x.Folder, x.MessageId, x.Subject, x.Date)).ToList());

    private static SyncStatistics? TryReadStatistics(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<SyncStatistics>(json, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// A final run stores either one <see cref="SyncStatistics"/> (a one-mailbox job) or an object of
    /// them keyed by source login. Anything else is ignored: the counts on the mailboxes still decide.
    /// </summary>
    private static Dictionary<string, SyncStatistics> ReadStatistics(string? json, IReadOnlyCollection<Mailbox> mailboxes)
    {
        var result = new Dictionary<string, SyncStatistics>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json))
        {
            return result;
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return result;
            }

            var isSingle = doc.RootElement.EnumerateObject().Any(p =>
                p.Name.Equals("engine", StringComparison.OrdinalIgnoreCase) || p.Name.Equals("missing", StringComparison.OrdinalIgnoreCase));
            if (isSingle)
            {
                if (mailboxes.Count == 1 && doc.RootElement.Deserialize<SyncStatistics>(Json) is { } one)
                {
                    result[mailboxes.First().SourceLogin] = one;
                }

                return result;
            }

            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Object && property.Value.Deserialize<SyncStatistics>(Json) is { } stats)
                {
                    result[Mailbox.NormalizeLogin(property.Name)] = stats;
                }
            }
        }
        catch (JsonException)
        {
            // Statistics in a shape this version does not know: the mailbox counts still decide.
        }

        return result;
    }

    private void MovePhase(MigrationJob job, MigrationPhase target)
    {
        // The gate is the authority; the phase follows where the job's life cycle allows it.
        if (job.Phase != target && MigrationJob.CanMoveTo(job.Phase, target))
        {
            job.MoveTo(target, Now);
        }
    }

    private async Task<GateView> ViewAsync(MigrationJob job, MigrationGate gate, GateResult result, CancellationToken ct, bool includeEvents = true)
    {
        var events = includeEvents
            ? (await audit.ListAsync(job.Id, 200, ct)).Where(e => e.Action.StartsWith("gate.", StringComparison.Ordinal)).ToList()
            : [];
        return new GateView(job.Id, job.Domain, job.Name, job.Phase, gate.State, result, gate.ApprovedBy, gate.ApprovedAtUtc,
            gate.DecidedBy, gate.DecidedAtUtc, gate.Comment, gate.AcceptedMissing, events);
    }

    private static object Snapshot(MigrationJob job, MigrationGate gate, GateResult result) => new
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
        missing = result.Missing,
        mailboxes = result.Mailboxes,
        reasons = result.Reasons,
    };

    private static string SnapshotText(MigrationJob job, MigrationGate gate, GateResult result) =>
        JsonSerializer.Serialize(Snapshot(job, gate, result), SnapshotJson);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;
}
