using System.Globalization;
using System.Text.Json;
using Ligbox.Core.Audit;
using Ligbox.Core.Gate;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Persistence;
using Ligbox.Core.Pst;
using Ligbox.Core.Runs;
using Ligbox.Core.Storage;
using Ligbox.Tools.Statistics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Reports;

/// <summary>
/// Builds a job's <see cref="JobReport"/> from what the runs stored (one read, nothing written). The figures are
/// the ones the job page and the gate use: the mailbox's last verified counts, each mailbox's latest sync pass
/// (its per-folder statistics, written with <see cref="RunStatisticsSerializer"/>), the imports' statistics and
/// quarantine, and the gate as <see cref="GateService"/> computes it. A fixed number of queries whatever the
/// mailbox count; per-mailbox statistics are read in chunks.
/// </summary>
public sealed class JobReportService(IDbContextFactory<LigboxDbContext> dbFactory, GateService gates, DataDirectory data,
    IOptions<LigboxOptions> options, TimeProvider clock)
{
    /// <summary>Quarantined items listed per import (the count is always complete).</summary>
    public const int MaxQuarantinedListed = 200;

    private const int Chunk = 500;
    private static readonly RunKind[] SyncKinds = [RunKind.Initial, RunKind.Delta, RunKind.Final, RunKind.Verify];
    private static readonly CultureInfo En = CultureInfo.InvariantCulture;

    public async Task<JobReport> BuildAsync(Guid jobId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId, ct) ?? throw new NotFoundException("Job", jobId);
        var mailboxes = await db.Mailboxes.AsNoTracking().Where(m => m.JobId == jobId).ToListAsync(ct);
        var runs = await db.Runs.AsNoTracking().Where(r => r.JobId == jobId && !r.DryRun).ToListAsync(ct);
        var runById = runs.ToDictionary(r => r.Id);
        var gate = await gates.GetAsync(jobId, includeEvents: false, ct);

        var latestPass = await LatestPassesAsync(db, runs, ct);
        var imports = await ImportsAsync(db, runs, mailboxes, ct);
        var decisions = await DecisionsAsync(db, jobId, ct);
        var gateByLogin = gate.Result.Mailboxes.ToDictionary(m => m.Login, StringComparer.Ordinal);

        var reportMailboxes = mailboxes.OrderBy(m => m.SourceLogin, StringComparer.Ordinal)
            .Select(m => MailboxOf(job, m, latestPass.GetValueOrDefault(m.Id), runById, gateByLogin.GetValueOrDefault(m.SourceLogin), imports))
            .ToList();
        var reportRuns = runs.OrderBy(r => r.QueuedAtUtc).Select(RunOf).ToList();
        var reportGate = GateOf(gate, decisions);
        var servers = new ReportServers(job.HasSource ? ServerOf(job.Source) : null, ServerOf(job.Destination), EngineName(job));
        var summary = SummaryOf(job, reportMailboxes, imports, reportRuns, reportGate, servers);
        return new JobReport(JobReport.CurrentSchemaVersion, clock.GetUtcNow().UtcDateTime, "en",
            new ReportJob(job.Id, job.Domain, job.Name, job.TicketId, TicketUrl(job.TicketId), job.Phase, job.PhaseReason, job.CreatedBy, job.CreatedAtUtc),
            servers, summary, reportGate, reportMailboxes, imports, reportRuns);
    }

    private sealed record Pass(RunKind Kind, RunStatus Status, DateTime? EndedAtUtc, SyncStatistics? Statistics);

    /// <summary>Each mailbox's latest sync pass that left statistics (a succeeded one before a failed one).</summary>
    private static async Task<Dictionary<Guid, Pass>> LatestPassesAsync(LigboxDbContext db, List<Run> runs, CancellationToken ct)
    {
        var syncRuns = runs.Where(r => SyncKinds.Contains(r.Kind) && r.EndedAtUtc is not null).ToDictionary(r => r.Id);
        var runIds = syncRuns.Keys.ToList();
        var heads = new List<(Guid Id, Guid RunId, Guid MailboxId, RunStatus Status)>();
        foreach (var chunk in runIds.Chunk(Chunk))
        {
            var rows = await db.Set<RunMailbox>().AsNoTracking()
                .Where(r => chunk.Contains(r.RunId) && r.ResultJson != null && (r.Status == RunStatus.Succeeded || r.Status == RunStatus.Failed))
                .Select(r => new { r.Id, r.RunId, r.MailboxId, r.Status }).ToListAsync(ct);
            heads.AddRange(rows.Select(r => (r.Id, r.RunId, r.MailboxId, r.Status)));
        }

        var chosen = heads.GroupBy(h => h.MailboxId)
            .Select(g => g.OrderByDescending(h => h.Status == RunStatus.Succeeded).ThenByDescending(h => syncRuns[h.RunId].EndedAtUtc).First())
            .ToList();
        var json = new Dictionary<Guid, string?>();
        foreach (var chunk in chosen.Select(c => c.Id).Chunk(Chunk))
        {
            var rows = await db.Set<RunMailbox>().AsNoTracking().Where(r => chunk.Contains(r.Id)).Select(r => new { r.Id, r.ResultJson }).ToListAsync(ct);
            foreach (var r in rows)
            {
                json[r.Id] = r.ResultJson;
            }
        }

        return chosen.ToDictionary(c => c.MailboxId, c =>
        {
            var run = syncRuns[c.RunId];
            return new Pass(run.Kind, c.Status, run.EndedAtUtc, RunStatisticsSerializer.ReadSync(json.GetValueOrDefault(c.Id)));
        });
    }

    private async Task<List<ReportImport>> ImportsAsync(LigboxDbContext db, List<Run> runs, List<Mailbox> mailboxes, CancellationToken ct)
    {
        var importRuns = runs.Where(r => r.Kind is RunKind.Pst or RunKind.Tgz).ToList();
        if (importRuns.Count == 0)
        {
            return [];
        }

        var ids = importRuns.Select(r => r.Id).ToList();
        var owners = new Dictionary<Guid, Guid>();
        foreach (var chunk in ids.Chunk(Chunk))
        {
            var rows = await db.Set<RunMailbox>().AsNoTracking().Where(r => chunk.Contains(r.RunId)).Select(r => new { r.RunId, r.MailboxId }).ToListAsync(ct);
            foreach (var r in rows)
            {
                owners[r.RunId] = r.MailboxId;
            }
        }

        var logins = mailboxes.ToDictionary(m => m.Id, m => m.SourceLogin);
        var result = new List<ReportImport>();
        foreach (var run in importRuns.OrderBy(r => r.QueuedAtUtc))
        {
            var stats = RunStatisticsSerializer.ReadImport(run.StatisticsJson);
            var login = owners.TryGetValue(run.Id, out var mailboxId) ? logins.GetValueOrDefault(mailboxId, "(removed mailbox)") : "(unknown mailbox)";
            var quarantine = QuarantineWriter.Read(PstRunFiles.QuarantineDirectory(data, run.JobId, run.Id));
            var folders = stats?.Folders ?? [];
            result.Add(new ReportImport(run.Id, login, run.Kind, stats?.SourceName ?? "(unknown file)",
                run.Kind == RunKind.Tgz || stats?.SourceKind == PstSourceKind.ZimbraTgz ? "tgz" : (stats?.SourceKind ?? PstSourceKind.Pst).ToString().ToLowerInvariant(),
                run.Status, run.EndedAtUtc, stats?.SourceBytes ?? 0, stats?.Parsed ?? 0, stats?.Appended ?? 0, stats?.Skipped ?? 0,
                Math.Max(stats?.Quarantined ?? 0, quarantine.Count), folders.Sum(f => f.NotMail) + (stats?.OtherItems.Values.Sum() ?? 0),
                folders.Select(f => new ReportImportFolder(f.Source, f.Destination, f.Extracted, f.NotMail, f.Parsed, f.Appended, f.Skipped, f.Quarantined,
                    f.DestinationMessages)).ToList(),
                quarantine.Take(MaxQuarantinedListed).Select(q => new ReportQuarantined(q.SourceFolder, q.Subject, q.Reason)).ToList()));
        }

        return result;
    }

    private static async Task<List<ReportDecision>> DecisionsAsync(LigboxDbContext db, Guid jobId, CancellationToken ct)
    {
        var rows = await db.AuditEntries.AsNoTracking().Where(a => a.JobId == jobId && a.Action.StartsWith("gate."))
            .OrderBy(a => a.Id).Select(a => new AuditEntryDto(a.Id, a.AtUtc, a.Actor, a.Action, a.EntityType, a.EntityId, a.JobId, a.Details))
            .ToListAsync(ct);
        return rows.Select(a => new ReportDecision(a.AtUtc, a.Actor, a.Action, AuditSentences.Describe(a))).ToList();
    }

    private static ReportMailbox MailboxOf(MigrationJob job, Mailbox m, Pass? pass, Dictionary<Guid, Run> runs, GateMailboxResult? gated,
        List<ReportImport> imports)
    {
        var stats = pass?.Statistics;
        var myImports = imports.Where(i => i.Mailbox == m.SourceLogin).ToList();
        long? source;
        long? destination;
        string from;
        List<ReportFolder> folders;
        if (job.HasSource || myImports.Count == 0)
        {
            source = m.LastSourceCount ?? stats?.SourceMessages;
            destination = m.LastDestinationCount ?? stats?.DestinationMessages;
            from = stats is null && m.LastSourceCount is null ? "none" : "sync";
            folders = (stats?.Folders ?? []).Select(FolderOf).ToList();
        }
        else
        {
            // An import-only mailbox: the gate's figures (parsed per file against the destination folders measured after it).
            source = gated?.SourceMessages;
            destination = gated?.DestinationMessages;
            from = "import";
            folders = myImports.Where(i => i.Status == RunStatus.Succeeded).SelectMany(i => i.Folders)
                .GroupBy(f => (f.Source, f.Destination))
                .Select(g => g.Last())
                .Select(f => new ReportFolder(f.Source, f.Destination, f.Parsed, f.DestinationMessages, 0, 0, f.Quarantined,
                    f.Quarantined > 0 ? $"{f.Quarantined:N0} quarantined (could not be imported)" : null))
                .ToList();
        }

        var missingCount = stats?.MissingOnDestination is { } verified
            ? verified
            : source is { } s && destination is { } d ? Math.Max(0, s - d) : 0;
        var outOfWindow = stats?.MessagesOutOfWindow ?? 0;
        var notes = new List<string>();
        if (m.Excluded)
        {
            notes.Add($"Left out of the migration{(m.ExcludedBy is null ? "" : " by " + m.ExcludedBy)}: {m.ExcludedReason}");
        }

        if (m.Status == MailboxStatus.Failed)
        {
            notes.Add("The last pass failed: " + (m.StatusMessage ?? "no reason recorded") + ".");
        }

        if (from == "none" && !m.Excluded)
        {
            notes.Add("Not migrated yet.");
        }

        if (missingCount > 0)
        {
            var named = stats?.Missing.Count ?? 0;
            notes.Add($"{missingCount:N0} message(s) of the source are not on the destination" +
                (named > 0 ? $"; {named:N0} of them are listed by folder, subject and date" : "") +
                (stats is { Errors: > 0 } ? $"; the copy reported {stats.Errors:N0} error(s)" : "") + ".");
        }

        if (outOfWindow > 0)
        {
            notes.Add($"{outOfWindow:N0} message(s) older than the job's date window were left out by its settings.");
        }

        if (m.Status == MailboxStatus.Failed && pass is { Status: RunStatus.Succeeded } && runs.Count > 0)
        {
            notes.Add($"The figures are those of the last {pass.Kind.ToString().ToLowerInvariant()} pass that succeeded ({pass.EndedAtUtc:yyyy-MM-dd HH:mm} UTC).");
        }

        return new ReportMailbox(m.SourceLogin, m.DestinationLogin, m.Status, m.StatusMessage, m.Excluded, m.ExcludedReason, from, pass?.Kind,
            m.LastSyncedAtUtc ?? pass?.EndedAtUtc, source, destination, Ratio(source, destination), missingCount, outOfWindow,
            stats?.SourceBytes, stats?.DestinationBytes, folders,
            (stats?.Missing ?? []).Select(x => new ReportMissingMessage(x.Folder, x.MessageId, x.Subject, x.Date)).ToList(), notes);
    }

    private static ReportFolder FolderOf(FolderStatistics f)
    {
        var parts = new List<string>();
        if (f.DestinationMessages is { } dest)
        {
            var diff = f.SourceMessages - dest;
            if (diff > 0)
            {
                parts.Add($"{diff:N0} fewer on the destination" + (f.Errors > 0 ? $" ({f.Errors:N0} copy error(s))" : ""));
            }
            else if (diff < 0)
            {
                parts.Add($"{-diff:N0} more on the destination (already there before, or new mail)");
            }
        }
        else
        {
            parts.Add("destination not counted");
        }

        if (f.OutOfWindow > 0)
        {
            parts.Add($"{f.OutOfWindow:N0} older than the date window, left out");
        }

        return new ReportFolder(f.SourceFolder, f.DestinationFolder, f.SourceMessages, f.DestinationMessages, f.OutOfWindow, f.Errors, 0,
            parts.Count == 0 ? null : string.Join("; ", parts));
    }

    private static ReportRun RunOf(Run r)
    {
        int? boxes = null, failed = null;
        long? messages = null, bytes = null;
        if (r.Kind is RunKind.Pst or RunKind.Tgz)
        {
            if (RunStatisticsSerializer.ReadImport(r.StatisticsJson) is { } import)
            {
                boxes = 1;
                messages = import.Appended;
                bytes = import.SourceBytes;
            }
        }
        else if (!string.IsNullOrWhiteSpace(r.StatisticsJson))
        {
            try
            {
                using var doc = JsonDocument.Parse(r.StatisticsJson);
                var root = doc.RootElement;
                if (root.ValueKind == JsonValueKind.Object)
                {
                    boxes = Int(root, "mailboxes") is { } b ? (int)b : null;
                    failed = Int(root, "failed") is { } f ? (int)f : null;
                    messages = Int(root, "messagesTransferred");
                    bytes = Int(root, "bytesTransferred");
                }
            }
            catch (JsonException)
            {
                // Statistics of another shape: the run is listed without rates.
            }
        }

        var seconds = r.Duration?.TotalSeconds;
        return new ReportRun(r.Id, r.Kind, r.Status, r.Trigger, r.RequestedBy, r.QueuedAtUtc, r.StartedAtUtc, r.EndedAtUtc, seconds, boxes, failed,
            messages, bytes, seconds > 0 && messages is { } mm ? Math.Round(mm / seconds.Value, 2) : null,
            seconds > 0 && bytes is { } bb ? Math.Round(bb / seconds.Value, 0) : null, r.Message);
    }

    private static long? Int(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    private static ReportGate GateOf(GateView gate, List<ReportDecision> decisions)
    {
        var r = gate.Result;
        var reasons = gate.RevokeReasons.Select(x => "Not approved any more: " + x + ".").Concat(r.Reasons).ToList();
        return new ReportGate(gate.State, r.Grade, r.Ratio, r.BytesRatio, r.Threshold, r.SourceMessages, r.DestinationMessages,
            gate.ApprovedBy, gate.ApprovedAtUtc, gate.Comment, gate.AcceptedMissing, gate.AcceptedExcluded, reasons,
            r.Excluded.Select(e => new ReportExcludedMailbox(e.Login, e.Reason, e.By, e.AtUtc)).ToList(), decisions);
    }

    private static ReportSummary SummaryOf(MigrationJob job, List<ReportMailbox> mailboxes, List<ReportImport> imports, List<ReportRun> runs,
        ReportGate gate, ReportServers servers)
    {
        var included = mailboxes.Where(m => !m.Excluded).ToList();
        var failed = included.Count(m => m.Status == MailboxStatus.Failed);
        var notMigrated = included.Count(m => m.Source == "none");
        var complete = included.Count(m => m.Status != MailboxStatus.Failed && m.Source != "none" && m.MissingMessages == 0);
        var differences = included.Count - complete - failed - notMigrated;
        var source = included.Sum(m => m.SourceMessages ?? 0);
        var destination = included.Sum(m => m.DestinationMessages ?? 0);
        var missing = included.Sum(m => m.MissingMessages);
        var outOfWindow = included.Sum(m => m.MessagesOutOfWindow);
        var succeededImports = imports.Where(i => i.Status == RunStatus.Succeeded).ToList();
        var quarantined = imports.Sum(i => i.Quarantined);
        var imported = succeededImports.Sum(i => (long)i.Appended);
        var notMail = succeededImports.Sum(i => i.ContactsAndCalendarItems);
        var ended = runs.Where(r => r.EndedAtUtc is not null).ToList();
        var bytes = runs.Where(r => r.Status == RunStatus.Succeeded && r.Kind is not (RunKind.Pst or RunKind.Tgz)).Sum(r => r.BytesCopied ?? 0);

        var sentences = new List<string>();
        var from = servers.Source is { } s ? $"from {s.Host}" : "from the files you gave us";
        sentences.Add(included.Count == 0
            ? $"The migration of {job.Domain} has no mailboxes yet."
            : $"We moved {destination:N0} of {source:N0} messages ({Percent(Ratio(source, destination))}) in {Count(included.Count, "mailbox", "mailboxes")} of {job.Domain} " +
              $"{from} to {servers.Destination.Host}.");
        if (included.Count > 0)
        {
            var parts = new List<string> { $"{Count(complete, "mailbox is", "mailboxes are")} complete" };
            if (differences > 0)
            {
                parts.Add($"{Count(differences, "mailbox has", "mailboxes have")} differences explained in this report");
            }

            if (failed > 0)
            {
                parts.Add($"{Count(failed, "mailbox", "mailboxes")} could not be migrated yet");
            }

            if (notMigrated > 0)
            {
                parts.Add($"{Count(notMigrated, "mailbox has", "mailboxes have")} not been migrated yet");
            }

            sentences.Add(Capital(Join(parts)) + ".");
        }

        if (missing > 0)
        {
            sentences.Add($"{Count(missing, "message is", "messages are")} not on the new server; the details list each mailbox and folder.");
        }

        if (outOfWindow > 0)
        {
            sentences.Add($"{Count(outOfWindow, "message", "messages")} older than the agreed date window were not copied, as agreed.");
        }

        var excluded = mailboxes.Count(m => m.Excluded);
        if (excluded > 0)
        {
            sentences.Add($"{Count(excluded, "mailbox was", "mailboxes were")} left out by agreement (listed in the details).");
        }

        if (succeededImports.Count > 0)
        {
            sentences.Add($"{Count(imported, "message was", "messages were")} imported from {Count(succeededImports.Count, "file", "files")}" +
                (notMail > 0 ? $"; {Count(notMail, "contact or calendar entry was", "contacts and calendar entries were")} found and not imported as mail" : "") + ".");
        }

        if (quarantined > 0)
        {
            sentences.Add($"{Count(quarantined, "item", "items")} could not be imported and {(quarantined == 1 ? "is" : "are")} kept aside (quarantine) for review.");
        }

        sentences.Add(gate.State switch
        {
            GateState.Approved => $"The final check was approved by {gate.ApprovedBy} on {gate.ApprovedAtUtc:yyyy-MM-dd} at {gate.ApprovedAtUtc:HH:mm} UTC.",
            GateState.Ready => "The final check is passed and waits for the approval of our operations lead.",
            GateState.Revoked => "The final check was approved and then withdrawn; it waits for a new approval.",
            _ => "The final check is not passed yet" + (gate.Reasons.Count > 0 ? ": " + gate.Reasons[0].TrimEnd('.') + "." : "."),
        });

        return new ReportSummary(mailboxes.Count, complete, differences, failed, excluded, notMigrated, source, destination, Ratio(source, destination),
            missing, outOfWindow, quarantined, imported, notMail, bytes, ended.Select(r => r.StartedAtUtc ?? r.QueuedAtUtc).DefaultIfEmpty().Min() is { } first && first != default ? first : null,
            ended.Select(r => r.EndedAtUtc!.Value).DefaultIfEmpty().Max() is { } last && last != default ? last : null, sentences);
    }

    private string? TicketUrl(string? ticketId)
    {
        var template = options.Value.TicketUrlTemplate;
        return string.IsNullOrWhiteSpace(ticketId) || string.IsNullOrWhiteSpace(template)
            ? null
            : template.Replace("{ticket}", Uri.EscapeDataString(ticketId), StringComparison.Ordinal);
    }

    private static ReportServer ServerOf(ServerEndpoint e) => new(e.Host, e.Port, e.Security.ToString());

    private static string EngineName(MigrationJob job) => !job.HasSource ? "import (PST/mbox)" : job.Engine switch
    {
        SyncEngineKind.Imapsync => "imapsync",
        SyncEngineKind.Doveadm => "doveadm",
        _ => "native (MailKit)",
    };

    internal static double? Ratio(long? source, long? destination) =>
        source is { } s && destination is { } d ? s == 0 ? 1.0 : Math.Round(Math.Min(1.0, (double)d / s), 6) : null;

    /// <summary>"99.9 %"; never rounds up to 100 % while something is missing (99.99 % then).</summary>
    internal static string Percent(double? ratio)
    {
        if (ratio is not { } r)
        {
            return "n/a";
        }

        if (r >= 1)
        {
            return "100.0 %";
        }

        var oneDecimal = Math.Floor(r * 1000) / 10;
        return oneDecimal < 100 && r < 0.999
            ? oneDecimal.ToString("0.0", En) + " %"
            : Math.Min(99.99, Math.Floor(r * 10000) / 100).ToString("0.00", En) + " %";
    }

    private static string Count(long n, string one, string many) => $"{n.ToString("N0", En)} {(n == 1 ? one : many)}";

    private static string Join(List<string> parts) => parts.Count == 1 ? parts[0] : string.Join(", ", parts.Take(parts.Count - 1)) + " and " + parts[^1];

    private static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
