using System.Globalization;
using System.Text.Json;
using Ligbox.Core.Gate;
using Ligbox.Core.Localization;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Jobs;

/// <summary>How far a job is: mailbox counts by outcome and the message totals of their last passes.</summary>
public sealed record JobProgress(int Mailboxes, int Synced, int Failed, int Syncing, long SourceMessages, long DestinationMessages)
{
    public static readonly JobProgress Empty = new(0, 0, 0, 0, 0, 0);

    /// <summary>0–100, the share of mailboxes whose last pass succeeded (0 for a job without mailboxes).</summary>
    public double Percent => Mailboxes == 0 ? 0 : Math.Min(100, 100.0 * Synced / Mailboxes);

    public string Text => Mailboxes == 0 ? "no mailboxes" : $"{Synced:N0} of {Mailboxes:N0} synced";
}

/// <summary>The last run of a job that ended, as the summary and the jobs list judge it.</summary>
public sealed record LastRunOutcome(Guid RunId, RunKind Kind, RunStatus Status, DateTime? EndedAtUtc, string? Message);

/// <summary>Everything the top of the job page says at a glance.</summary>
public sealed record JobSummary(Guid JobId, JobProgress Progress, LastRunOutcome? LastRun, RunKind? ActiveRunKind, bool HasSucceededInitial,
    bool HasSucceededPreflight, long? BytesCopiedLastRun, string? Attention, string NextStep);

/// <summary>A job's progress and attention mark, for one row of the jobs list.</summary>
public sealed record JobListStatus(JobProgress Progress, string? Attention);

public enum MailboxSortField
{
    SourceLogin,
    DestinationLogin,
    Status,
    LastSynced,
}

/// <summary>One page of a job's mailboxes (the table never loads them all).</summary>
public sealed record MailboxPageQuery
{
    public int Skip { get; init; }
    public int Take { get; init; } = 50;
    public string? Search { get; init; }
    public MailboxStatus? Status { get; init; }
    public MailboxSortField SortBy { get; init; } = MailboxSortField.SourceLogin;
    public bool Descending { get; init; }
}

/// <summary>One run of one mailbox, newest first in <see cref="MailboxDetail.Runs"/>.</summary>
public sealed record MailboxRunDto(Guid RunId, RunKind Kind, RunStatus RunStatus, bool DryRun, DateTime QueuedAtUtc, DateTime? EndedAtUtc,
    RunStatus Status, string? Message, JsonElement? Result);

/// <summary>The detail panel of one mailbox: its last pre-flight, its last sync's figures per folder, its runs.</summary>
public sealed record MailboxDetail(MailboxDto Mailbox, MailboxRunDto? LastPreflight, MailboxRunDto? LastSync, IReadOnlyList<MailboxRunDto> Runs);

/// <summary>
/// Read-only views of a job for its page and the jobs list: one summary query, one page of mailboxes,
/// one mailbox's detail. Each answers with a fixed number of cheap queries, whatever the mailbox count.
/// </summary>
public sealed class JobOverviewService(IDbContextFactory<LigboxDbContext> dbFactory)
{
    public const int MaxMailboxRuns = 20;

    public async Task<JobSummary> GetSummaryAsync(Guid jobId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.AsNoTracking().Where(j => j.Id == jobId).Select(j => new { j.Phase }).SingleOrDefaultAsync(ct)
            ?? throw new NotFoundException("Job", jobId);
        var progress = (await ProgressAsync(db, [jobId], ct)).GetValueOrDefault(jobId, JobProgress.Empty);
        var runs = await db.Runs.AsNoTracking().Where(r => r.JobId == jobId && !r.DryRun)
            .Select(r => new { r.Id, r.Kind, r.Status, r.QueuedAtUtc, r.EndedAtUtc, r.Message, r.StatisticsJson })
            .ToListAsync(ct);
        var ordered = runs.OrderByDescending(r => r.QueuedAtUtc).ToList();
        var active = ordered.FirstOrDefault(r => r.Status is RunStatus.Queued or RunStatus.Running or RunStatus.Resuming);
        var last = ordered.FirstOrDefault(r => r.Status is not (RunStatus.Queued or RunStatus.Running or RunStatus.Resuming));
        var lastSync = ordered.FirstOrDefault(r => r.Kind != RunKind.Preflight && r.Status == RunStatus.Succeeded);
        var gate = await db.Gates.AsNoTracking().Where(g => g.JobId == jobId).Select(g => (GateState?)g.State).SingleOrDefaultAsync(ct);
        var lastRun = last is null ? null : new LastRunOutcome(last.Id, last.Kind, last.Status, last.EndedAtUtc, last.Message);
        var hasInitial = runs.Any(r => r.Kind == RunKind.Initial && r.Status == RunStatus.Succeeded);
        var hasPreflight = runs.Any(r => r.Kind == RunKind.Preflight && r.Status == RunStatus.Succeeded);
        var attention = AttentionOf(progress, lastRun);
        return new JobSummary(jobId, progress, lastRun, active?.Kind, hasInitial, hasPreflight, BytesOf(lastSync?.StatisticsJson), attention,
            NextStep(job.Phase, progress, lastRun, active?.Kind, hasPreflight, hasInitial, gate));
    }

    /// <summary>Progress and attention of the given jobs (the visible page of the jobs list), in two grouped queries.</summary>
    public async Task<IReadOnlyDictionary<Guid, JobListStatus>> ListStatusAsync(IReadOnlyCollection<Guid> jobIds, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var progress = await ProgressAsync(db, jobIds, ct);
        var ended = await db.Runs.AsNoTracking()
            .Where(r => jobIds.Contains(r.JobId) && !r.DryRun && r.Status != RunStatus.Queued && r.Status != RunStatus.Running)
            .Select(r => new { r.Id, r.JobId, r.Kind, r.Status, r.QueuedAtUtc, r.EndedAtUtc, r.Message })
            .ToListAsync(ct);
        var lastByJob = ended.GroupBy(r => r.JobId).ToDictionary(g => g.Key, g => g.MaxBy(r => r.QueuedAtUtc)!);
        return jobIds.Distinct().ToDictionary(id => id, id =>
        {
            var p = progress.GetValueOrDefault(id, JobProgress.Empty);
            var last = lastByJob.TryGetValue(id, out var r) ? new LastRunOutcome(r.Id, r.Kind, r.Status, r.EndedAtUtc, r.Message) : null;
            return new JobListStatus(p, AttentionOf(p, last));
        });
    }

    public async Task<PagedResult<MailboxDto>> PageMailboxesAsync(Guid jobId, MailboxPageQuery query, CancellationToken ct = default)
    {
        var take = Math.Clamp(query.Take, 1, 200);
        var skip = Math.Max(0, query.Skip);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Jobs.AnyAsync(j => j.Id == jobId, ct))
        {
            throw new NotFoundException("Job", jobId);
        }

        var q = db.Mailboxes.AsNoTracking().Where(m => m.JobId == jobId);
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var s = query.Search.Trim().ToLower();
            q = q.Where(m => m.SourceLogin.ToLower().Contains(s) || m.DestinationLogin.ToLower().Contains(s));
        }

        if (query.Status is { } status)
        {
            q = q.Where(m => m.Status == status);
        }

        var total = await q.CountAsync(ct);
        q = (query.SortBy, query.Descending) switch
        {
            (MailboxSortField.DestinationLogin, false) => q.OrderBy(m => m.DestinationLogin),
            (MailboxSortField.DestinationLogin, true) => q.OrderByDescending(m => m.DestinationLogin),
            (MailboxSortField.Status, false) => q.OrderBy(m => m.Status).ThenBy(m => m.SourceLogin),
            (MailboxSortField.Status, true) => q.OrderByDescending(m => m.Status).ThenBy(m => m.SourceLogin),
            (MailboxSortField.LastSynced, false) => q.OrderBy(m => m.LastSyncedAtUtc).ThenBy(m => m.SourceLogin),
            (MailboxSortField.LastSynced, true) => q.OrderByDescending(m => m.LastSyncedAtUtc).ThenBy(m => m.SourceLogin),
            (_, true) => q.OrderByDescending(m => m.SourceLogin),
            _ => q.OrderBy(m => m.SourceLogin),
        };
        var rows = await q.Skip(skip).Take(take).ToListAsync(ct);
        return new(rows.Select(MailboxDto.From).ToList(), total, skip / take + 1, take);
    }

    public async Task<MailboxDetail> GetMailboxDetailAsync(Guid jobId, Guid mailboxId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var mailbox = await db.Mailboxes.AsNoTracking().SingleOrDefaultAsync(m => m.Id == mailboxId && m.JobId == jobId, ct)
            ?? throw new NotFoundException("Mailbox", mailboxId);
        var rows = await (from rm in db.Set<RunMailbox>().AsNoTracking()
                          join r in db.Runs.AsNoTracking() on rm.RunId equals r.Id
                          where rm.MailboxId == mailboxId
                          select new { r.Id, r.Kind, RunStatus = r.Status, r.DryRun, r.QueuedAtUtc, r.EndedAtUtc, rm.Status, rm.Message, rm.ResultJson })
            .ToListAsync(ct);
        var runs = rows.OrderByDescending(r => r.QueuedAtUtc)
            .Select(r => new MailboxRunDto(r.Id, r.Kind, r.RunStatus, r.DryRun, r.QueuedAtUtc, r.EndedAtUtc, r.Status, r.Message,
                r.ResultJson is null ? null : JsonSerializer.Deserialize<JsonElement>(r.ResultJson)))
            .ToList();
        var preflight = runs.FirstOrDefault(r => r.Kind == RunKind.Preflight && r.Status is RunStatus.Succeeded or RunStatus.Failed);
        var sync = runs.FirstOrDefault(r => r.Kind != RunKind.Preflight && !r.DryRun && r.Result is not null
            && r.Status is RunStatus.Succeeded or RunStatus.Failed);
        return new MailboxDetail(MailboxDto.From(mailbox), preflight, sync, runs.Take(MaxMailboxRuns).ToList());
    }

    /// <summary>The job's latest runs without their per-mailbox rows (a run of 10,000 mailboxes stays one row here).</summary>
    public async Task<IReadOnlyList<RunDto>> ListRunsAsync(Guid jobId, int take = 50, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var runs = await db.Runs.AsNoTracking().Where(r => r.JobId == jobId).ToListAsync(ct);
        return runs.OrderByDescending(r => r.QueuedAtUtc).Take(take).Select(r => RunDto.From(r, [])).ToList();
    }

    /// <summary>One page of a run's mailboxes with their outcome and figures (kept after the run ends).</summary>
    public async Task<PagedResult<RunMailboxDto>> PageRunMailboxesAsync(Guid runId, int skip, int take, CancellationToken ct = default)
    {
        take = Math.Clamp(take, 1, 200);
        skip = Math.Max(0, skip);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.Set<RunMailbox>().AsNoTracking().Where(m => m.RunId == runId);
        var total = await q.CountAsync(ct);
        var rows = await q.OrderBy(m => m.SourceLogin).Skip(skip).Take(take).ToListAsync(ct);
        return new(rows.Select(m => new RunMailboxDto(m.MailboxId, m.SourceLogin, m.Status, m.Message,
            m.ResultJson is null ? null : JsonSerializer.Deserialize<JsonElement>(m.ResultJson))).ToList(), total, skip / take + 1, take);
    }

    /// <summary>
    /// Why a job needs a technician's look, in words (the reader's language: only the pages show it); null when nothing is wrong.
    /// </summary>
    public static string? AttentionOf(JobProgress progress, LastRunOutcome? lastRun)
    {
        var parts = new List<string>();
        if (lastRun is { Status: RunStatus.Failed })
        {
            parts.Add(lastRun.Kind switch
            {
                RunKind.Preflight => CoreText.T("the last pre-flight failed"),
                RunKind.Initial => CoreText.T("the last initial sync failed"),
                RunKind.Delta => CoreText.T("the last delta sync failed"),
                RunKind.Final => CoreText.T("the last final sync failed"),
                RunKind.Pst => CoreText.T("the last PST import failed"),
                RunKind.Tgz => CoreText.T("the last Zimbra import failed"),
                _ => CoreText.T("the last verification failed"),
            });
        }

        if (progress.Failed > 0)
        {
            parts.Add(progress.Failed == 1 ? CoreText.T("1 mailbox failed") : CoreText.F("{0} mailboxes failed", progress.Failed.ToString("N0", CultureInfo.CurrentCulture)));
        }

        return parts.Count == 0 ? null : char.ToUpper(parts[0][0], CultureInfo.CurrentCulture) + string.Join("; ", parts)[1..] + ".";
    }

    /// <summary>What the technician (or the ops lead) should do next, in words (the reader's language: only the pages show it).</summary>
    public static string NextStep(MigrationPhase phase, JobProgress progress, LastRunOutcome? lastRun, RunKind? activeRun, bool hasPreflight,
        bool hasInitial, GateState? gate) => (phase, activeRun) switch
        {
            (MigrationPhase.Cancelled, _) => CoreText.T("Nothing: the job is cancelled."),
            (MigrationPhase.Completed, _) => CoreText.T("Nothing: the migration is complete."),
            (_, RunKind.Preflight) => CoreText.T("Wait for the pre-flight to finish."),
            (_, RunKind.Initial) => CoreText.T("Wait for the initial sync to finish."),
            (_, RunKind.Delta) => CoreText.T("Wait for the delta sync to finish."),
            (_, RunKind.Final) => CoreText.T("Wait for the final sync to finish."),
            (_, RunKind.Pst) => CoreText.T("Wait for the PST import to finish."),
            (_, RunKind.Tgz) => CoreText.T("Wait for the Zimbra import to finish."),
            (_, RunKind.Verify) => CoreText.T("Wait for the verification to finish."),
            _ when progress.Mailboxes == 0 => CoreText.T("Add the mailboxes (one by one or from a CSV)."),
            _ when progress.Failed == 1 => CoreText.T("Fix the 1 failed mailbox (see the error in the mailbox list), then run again."),
            _ when progress.Failed > 0 => CoreText.F("Fix the {0} failed mailboxes (see the error in the mailbox list), then run again.", progress.Failed.ToString("N0", CultureInfo.CurrentCulture)),
            _ when lastRun is { Status: RunStatus.Failed } => CoreText.T("Look at the last run's log, fix the cause and run again."),
            _ when !hasPreflight && !hasInitial => CoreText.T("Run a pre-flight: it checks both logins, the folders and the quota."),
            _ when !hasInitial => CoreText.T("Start the initial sync."),
            _ when gate == GateState.Approved => CoreText.T("The gate is approved: switch the MX records, then run the final sync after mail stops arriving."),
            _ when gate == GateState.Ready => CoreText.T("An ops lead reviews the figures and approves the gate."),
            (MigrationPhase.FinalSync or MigrationPhase.GateReady, _) => CoreText.T("Check the gate's figures; run a delta for messages still missing."),
            _ => CoreText.T("Run deltas until cut-over, then the final sync (after the MX switch, when mail stops arriving)."),
        };

    private static async Task<Dictionary<Guid, JobProgress>> ProgressAsync(LigboxDbContext db, IReadOnlyCollection<Guid> jobIds, CancellationToken ct)
    {
        var rows = await db.Mailboxes.AsNoTracking().Where(m => jobIds.Contains(m.JobId))
            .GroupBy(m => new { m.JobId, m.Status })
            .Select(g => new { g.Key.JobId, g.Key.Status, Count = g.Count(), Source = g.Sum(m => m.LastSourceCount ?? 0), Destination = g.Sum(m => m.LastDestinationCount ?? 0) })
            .ToListAsync(ct);
        return rows.GroupBy(r => r.JobId).ToDictionary(g => g.Key, g => new JobProgress(
            g.Sum(r => r.Count),
            g.Where(r => r.Status == MailboxStatus.Synced).Sum(r => r.Count),
            g.Where(r => r.Status == MailboxStatus.Failed).Sum(r => r.Count),
            g.Where(r => r.Status == MailboxStatus.Syncing).Sum(r => r.Count),
            g.Sum(r => r.Source),
            g.Sum(r => r.Destination)));
    }

    private static long? BytesOf(string? statisticsJson)
    {
        if (statisticsJson is null)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(statisticsJson);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("bytesTransferred", out var b) && b.TryGetInt64(out var v) ? v : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
