using Ligbox.Core.Gate;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Dashboard;

/// <summary>
/// The figures of the overview dashboard, for the home page and <c>GET /api/dashboard</c> alike. Every figure is
/// one grouped or limited query, so the cost does not grow with the number of mailboxes or runs kept (10,000
/// mailboxes and thousands of runs are a few indexed aggregates); the live rates of the runs running now come from
/// the run progress in memory. Reading never writes.
/// </summary>
public sealed class DashboardService(IDbContextFactory<LigboxDbContext> dbFactory, RunProgressNotifier progress, TimeProvider clock)
{
    public const int Days = 30;
    public const int MaxFailures = 20;
    public const int MaxGates = 20;
    public const int MaxBiggestJobs = 5;
    public static readonly TimeSpan FailureWindow = TimeSpan.FromHours(24);
    private static readonly RunStatus[] ActiveStatuses = [RunStatus.Queued, RunStatus.Running, RunStatus.Resuming];

    /// <summary>The dashboard with UTC days (the API).</summary>
    public async Task<DashboardView> GetAsync(CancellationToken ct = default) => await GetAsync(null, ct);

    /// <summary>The dashboard; <paramref name="zone"/> (UTC when null) decides which day a run's copies count for.</summary>
    public async Task<DashboardView> GetAsync(TimeZoneInfo? zone, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var phases = await JobsByPhaseAsync(db, ct);
        var gates = await GatesWaitingAsync(db, ct);
        var running = await RunningNowAsync(db, ct);
        var (failures, failuresTotal) = await FailuresAsync(db, now - FailureWindow, ct);
        var daily = await DailyAsync(db, now, zone ?? TimeZoneInfo.Utc, ct);
        var last24h = await db.Runs.AsNoTracking().Where(r => r.EndedAtUtc >= now - FailureWindow && !r.DryRun)
            .GroupBy(r => 1).Select(g => new { Messages = g.Sum(r => r.MessagesCopied), Bytes = g.Sum(r => r.BytesCopied) }).SingleOrDefaultAsync(ct);
        var throughput = new DashboardThroughput(last24h?.Messages ?? 0, last24h?.Bytes ?? 0, daily.Sum(d => d.Messages), daily.Sum(d => d.Bytes),
            running.Sum(r => r.MessagesPerSecond));
        var biggest = await BiggestOpenJobsAsync(db, ct);
        return new DashboardView(now, phases, gates, running, failures, failuresTotal, daily, throughput, biggest);
    }

    private static async Task<IReadOnlyList<PhaseCount>> JobsByPhaseAsync(LigboxDbContext db, CancellationToken ct)
    {
        var rows = await db.Jobs.AsNoTracking().GroupBy(j => j.Phase).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        return Enum.GetValues<MigrationPhase>().Select(p => new PhaseCount(p, rows.FirstOrDefault(r => r.Key == p)?.Count ?? 0)).ToList();
    }

    private static async Task<IReadOnlyList<GateWaiting>> GatesWaitingAsync(LigboxDbContext db, CancellationToken ct) =>
        await (from g in db.Gates.AsNoTracking()
               join j in db.Jobs.AsNoTracking() on g.JobId equals j.Id
               where g.State == GateState.Ready
               orderby g.UpdatedAtUtc
               select new GateWaiting(j.Id, j.Domain, j.TicketId, g.UpdatedAtUtc, db.Mailboxes.Count(m => m.JobId == j.Id && !m.Excluded)))
            .Take(MaxGates).ToListAsync(ct);

    private async Task<IReadOnlyList<RunningRun>> RunningNowAsync(LigboxDbContext db, CancellationToken ct)
    {
        var rows = await (from r in db.Runs.AsNoTracking()
                          join j in db.Jobs.AsNoTracking() on r.JobId equals j.Id
                          where ActiveStatuses.Contains(r.Status)
                          orderby r.QueuedAtUtc
                          select new { r.Id, r.JobId, j.Domain, r.Kind, r.Status, r.QueuedAtUtc, r.StartedAtUtc, Mailboxes = db.Set<RunMailbox>().Count(m => m.RunId == r.Id) })
            .ToListAsync(ct);
        return rows.Select(r =>
        {
            var live = progress.GetProgress(r.Id);
            return new RunningRun(r.Id, r.JobId, r.Domain, r.Kind, r.Status, r.QueuedAtUtc, r.StartedAtUtc, r.Mailboxes, live.Count,
                live.Sum(m => m.Done), live.Sum(m => m.Total), live.Sum(m => m.Bytes), live.Sum(m => m.MessagesPerSecond));
        }).ToList();
    }

    private static async Task<(IReadOnlyList<RecentFailure>, int)> FailuresAsync(LigboxDbContext db, DateTime since, CancellationToken ct)
    {
        var failed = db.Runs.AsNoTracking().Where(r => r.Status == RunStatus.Failed && r.EndedAtUtc >= since);
        var total = await failed.CountAsync(ct);
        var rows = await (from r in failed
                          join j in db.Jobs.AsNoTracking() on r.JobId equals j.Id
                          orderby r.EndedAtUtc descending
                          select new { r.Id, r.JobId, j.Domain, r.Kind, r.EndedAtUtc, r.Message })
            .Take(MaxFailures).ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        var failedMailboxes = await db.Set<RunMailbox>().AsNoTracking().Where(m => ids.Contains(m.RunId) && m.Status == RunStatus.Failed)
            .GroupBy(m => m.RunId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        return (rows.Select(r => new RecentFailure(r.Id, r.JobId, r.Domain, r.Kind, r.EndedAtUtc!.Value,
            string.IsNullOrWhiteSpace(r.Message) ? "No reason was recorded; the run's log says what happened." : r.Message,
            failedMailboxes.GetValueOrDefault(r.Id))).ToList(), total);
    }

    /// <summary>
    /// The last <see cref="Days"/> days of <paramref name="zone"/>, today included and oldest first; a day without runs is there
    /// with zeros. The database sums per UTC hour (at most 24 × 31 rows); the hours are then folded into the zone's days, so a run
    /// ended at 23:30 UTC counts for the next day in Lisbon in summer and for the same day in São Paulo.
    /// </summary>
    private static async Task<IReadOnlyList<DailyCopied>> DailyAsync(LigboxDbContext db, DateTime now, TimeZoneInfo zone, CancellationToken ct)
    {
        var today = TimeZoneInfo.ConvertTimeFromUtc(now, zone).Date;
        var firstDay = today.AddDays(1 - Days);
        var since = TimeZoneInfo.ConvertTimeToUtc(firstDay, zone).AddHours(-1);
        var rows = await db.Runs.AsNoTracking().Where(r => r.EndedAtUtc >= since && !r.DryRun)
            .GroupBy(r => new { r.EndedAtUtc!.Value.Date, r.EndedAtUtc!.Value.Hour })
            .Select(g => new { g.Key.Date, g.Key.Hour, Messages = g.Sum(r => r.MessagesCopied), Bytes = g.Sum(r => r.BytesCopied), Runs = g.Count() })
            .ToListAsync(ct);
        var byDay = rows
            .GroupBy(r => TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(r.Date.AddHours(r.Hour), DateTimeKind.Utc), zone).Date)
            .ToDictionary(g => g.Key, g => (Messages: g.Sum(r => r.Messages), Bytes: g.Sum(r => r.Bytes), Runs: g.Sum(r => r.Runs)));
        return Enumerable.Range(0, Days).Select(i =>
        {
            var day = firstDay.AddDays(i);
            var row = byDay.GetValueOrDefault(day);
            return new DailyCopied(DateOnly.FromDateTime(day), row.Messages, row.Bytes, row.Runs);
        }).ToList();
    }

    /// <summary>Open jobs with the most mailboxes first (then the most source messages): where the work still is.</summary>
    private static async Task<IReadOnlyList<JobToFinish>> BiggestOpenJobsAsync(LigboxDbContext db, CancellationToken ct)
    {
        // Correlated aggregates on the (JobId, SourceLogin) index: one row per open job, never the mailboxes themselves.
        var boxes = db.Mailboxes.AsNoTracking().Where(m => !m.Excluded);
        var sized = from j in db.Jobs.AsNoTracking()
                    where j.Phase != MigrationPhase.Completed && j.Phase != MigrationPhase.Cancelled
                    select new
                    {
                        j.Id,
                        j.Domain,
                        j.Phase,
                        Mailboxes = boxes.Count(m => m.JobId == j.Id),
                        Synced = boxes.Count(m => m.JobId == j.Id && m.Status == MailboxStatus.Synced),
                        Failed = boxes.Count(m => m.JobId == j.Id && m.Status == MailboxStatus.Failed),
                        Source = boxes.Where(m => m.JobId == j.Id).Sum(m => m.LastSourceCount ?? 0),
                        Destination = boxes.Where(m => m.JobId == j.Id).Sum(m => m.LastDestinationCount ?? 0),
                    };
        var rows = await sized.OrderByDescending(x => x.Mailboxes).ThenByDescending(x => x.Source).ThenBy(x => x.Domain).Take(MaxBiggestJobs).ToListAsync(ct);
        return rows.Select(r => new JobToFinish(r.Id, r.Domain, r.Phase, r.Mailboxes, r.Synced, r.Failed, r.Source, r.Destination)).ToList();
    }
}
