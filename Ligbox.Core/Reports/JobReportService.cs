using System.Globalization;
using System.Text.Json;
using Ligbox.Core.Accounts;
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

    /// <summary>The report in English: the JSON (a contract for other systems, with stable codes).</summary>
    public Task<JobReport> BuildAsync(Guid jobId, CancellationToken ct = default) => BuildAsync(jobId, UserLanguages.English, ct);

    /// <summary>The report in the job's own language (<see cref="MigrationJob.Language"/>): what the PDF prints.</summary>
    public Task<JobReport> BuildInJobLanguageAsync(Guid jobId, CancellationToken ct = default) => BuildAsync(jobId, null, ct);

    /// <summary>The report with its sentences in <paramref name="language"/> ("en", "pt"; null: the job's language).</summary>
    public async Task<JobReport> BuildAsync(Guid jobId, string? language, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId, ct) ?? throw new NotFoundException("Job", jobId);
        var t = ReportText.For(language ?? job.Language);
        var mailboxes = await db.Mailboxes.AsNoTracking().Where(m => m.JobId == jobId).ToListAsync(ct);
        var runs = await db.Runs.AsNoTracking().Where(r => r.JobId == jobId && !r.DryRun).ToListAsync(ct);
        var runById = runs.ToDictionary(r => r.Id);
        var gate = await gates.GetAsync(jobId, includeEvents: false, ct);

        var latestPass = await LatestPassesAsync(db, runs, ct);
        var imports = await ImportsAsync(db, runs, mailboxes, ct);
        var decisions = await DecisionsAsync(db, jobId, ct);
        var gateByLogin = gate.Result.Mailboxes.ToDictionary(m => m.Login, StringComparer.Ordinal);

        var reportMailboxes = mailboxes.OrderBy(m => m.SourceLogin, StringComparer.Ordinal)
            .Select(m => MailboxOf(t, job, m, latestPass.GetValueOrDefault(m.Id), runById, gateByLogin.GetValueOrDefault(m.SourceLogin), imports))
            .ToList();
        var reportRuns = runs.OrderBy(r => r.QueuedAtUtc).Select(RunOf).ToList();
        var reportGate = GateOf(t, gate, decisions);
        var servers = new ReportServers(job.HasSource ? ServerOf(job.Source) : null, ServerOf(job.Destination), EngineName(job));
        var summary = SummaryOf(t, job, reportMailboxes, imports, reportRuns, reportGate, servers);
        return new JobReport(JobReport.CurrentSchemaVersion, clock.GetUtcNow().UtcDateTime, t.Language,
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

    private static ReportMailbox MailboxOf(ReportText t, MigrationJob job, Mailbox m, Pass? pass, Dictionary<Guid, Run> runs, GateMailboxResult? gated,
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
            folders = (stats?.Folders ?? []).Select(f => FolderOf(t, f)).ToList();
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
                    f.Quarantined > 0 ? t["{0} quarantined (could not be imported)", t.Num(f.Quarantined)] : null))
                .ToList();
        }

        var missingCount = stats?.MissingOnDestination is { } verified
            ? verified
            : source is { } s && destination is { } d ? Math.Max(0, s - d) : 0;
        var outOfWindow = stats?.MessagesOutOfWindow ?? 0;
        var notes = new List<string>();
        if (m.Excluded)
        {
            notes.Add(m.ExcludedBy is null ? t["Left out of the migration: {0}", m.ExcludedReason] : t["Left out of the migration by {0}: {1}", m.ExcludedBy, m.ExcludedReason]);
        }

        if (m.Status == MailboxStatus.Failed)
        {
            notes.Add(t["The last pass failed: {0}.", m.StatusMessage ?? t["no reason recorded"]]);
        }

        if (from == "none" && !m.Excluded)
        {
            notes.Add(t["Not migrated yet."]);
        }

        if (missingCount > 0)
        {
            var named = stats?.Missing.Count ?? 0;
            notes.Add(t["{0} message(s) of the source are not on the destination", t.Num(missingCount)] +
                (named > 0 ? t["; {0} of them are listed by folder, subject and date", t.Num(named)] : "") +
                (stats is { Errors: > 0 } ? t["; the copy reported {0} error(s)", t.Num(stats.Errors)] : "") + ".");
        }

        if (outOfWindow > 0)
        {
            notes.Add(t["{0} message(s) older than the job's date window were left out by its settings.", t.Num(outOfWindow)]);
        }

        if (m.Status == MailboxStatus.Failed && pass is { Status: RunStatus.Succeeded } && runs.Count > 0)
        {
            notes.Add(t["The figures are those of the last {0} that succeeded ({1}).", t.RunWord(pass.Kind).ToLower(t.Culture), t.TimeUtc(pass.EndedAtUtc)]);
        }

        return new ReportMailbox(m.SourceLogin, m.DestinationLogin, m.Status, m.StatusMessage, m.Excluded, m.ExcludedReason, from, pass?.Kind,
            m.LastSyncedAtUtc ?? pass?.EndedAtUtc, source, destination, Ratio(source, destination), missingCount, outOfWindow,
            stats?.SourceBytes, stats?.DestinationBytes, folders,
            (stats?.Missing ?? []).Select(x => new ReportMissingMessage(x.Folder, x.MessageId, x.Subject, x.Date)).ToList(), notes);
    }

    private static ReportFolder FolderOf(ReportText t, FolderStatistics f)
    {
        var parts = new List<string>();
        if (f.DestinationMessages is { } dest)
        {
            var diff = f.SourceMessages - dest;
            if (diff > 0)
            {
                parts.Add(t["{0} fewer on the destination", t.Num(diff)] + (f.Errors > 0 ? t[" ({0} copy error(s))", t.Num(f.Errors)] : ""));
            }
            else if (diff < 0)
            {
                parts.Add(t["{0} more on the destination (already there before, or new mail)", t.Num(-diff)]);
            }
        }
        else
        {
            parts.Add(t["destination not counted"]);
        }

        if (f.OutOfWindow > 0)
        {
            parts.Add(t["{0} older than the date window, left out", t.Num(f.OutOfWindow)]);
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

    private static ReportGate GateOf(ReportText t, GateView gate, List<ReportDecision> decisions)
    {
        var r = gate.Result;
        var reasons = gate.RevokeReasons.Select(x => t["Not approved any more: {0}.", x]).Concat(r.Reasons.Select(t.GateReason)).ToList();
        return new ReportGate(gate.State, r.Grade, r.Ratio, r.BytesRatio, r.Threshold, r.SourceMessages, r.DestinationMessages,
            gate.ApprovedBy, gate.ApprovedAtUtc, gate.Comment, gate.AcceptedMissing, gate.AcceptedExcluded, reasons,
            r.Excluded.Select(e => new ReportExcludedMailbox(e.Login, e.Reason, e.By, e.AtUtc)).ToList(), decisions);
    }

    private static ReportSummary SummaryOf(ReportText t, MigrationJob job, List<ReportMailbox> mailboxes, List<ReportImport> imports, List<ReportRun> runs,
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
        var from = servers.Source is { } s ? t["from {0}", s.Host] : t["from the files you gave us"];
        sentences.Add(included.Count == 0
            ? t["The migration of {0} has no mailboxes yet.", job.Domain]
            : t["We moved {0} of {1} messages ({2}) in {3} of {4} {5} to {6}.", t.Num(destination), t.Num(source), t.Percent(Ratio(source, destination)),
                t.Count(included.Count, "{0} mailbox", "{0} mailboxes"), job.Domain, from, servers.Destination.Host]);
        if (included.Count > 0)
        {
            var parts = new List<string> { t.Count(complete, "{0} mailbox is complete", "{0} mailboxes are complete") };
            if (differences > 0)
            {
                parts.Add(t.Count(differences, "{0} mailbox has differences explained in this report", "{0} mailboxes have differences explained in this report"));
            }

            if (failed > 0)
            {
                parts.Add(t.Count(failed, "{0} mailbox could not be migrated yet", "{0} mailboxes could not be migrated yet"));
            }

            if (notMigrated > 0)
            {
                parts.Add(t.Count(notMigrated, "{0} mailbox has not been migrated yet", "{0} mailboxes have not been migrated yet"));
            }

            sentences.Add(Capital(t.Join(parts)) + ".");
        }

        if (missing > 0)
        {
            sentences.Add(t.Count(missing, "{0} message is not on the new server; the details list each mailbox and folder.",
                "{0} messages are not on the new server; the details list each mailbox and folder."));
        }

        if (outOfWindow > 0)
        {
            sentences.Add(t.Count(outOfWindow, "{0} message older than the agreed date window was not copied, as agreed.",
                "{0} messages older than the agreed date window were not copied, as agreed."));
        }

        var excluded = mailboxes.Count(m => m.Excluded);
        if (excluded > 0)
        {
            sentences.Add(t.Count(excluded, "{0} mailbox was left out by agreement (listed in the details).",
                "{0} mailboxes were left out by agreement (listed in the details)."));
        }

        if (succeededImports.Count > 0)
        {
            var files = t.Count(succeededImports.Count, "{0} file", "{0} files");
            sentences.Add((imported == 1 ? t["{0} message was imported from {1}", t.Num(imported), files] : t["{0} messages were imported from {1}", t.Num(imported), files]) +
                (notMail > 0 ? t.Count(notMail, "; {0} contact or calendar entry was found and not imported as mail",
                    "; {0} contacts and calendar entries were found and not imported as mail") : "") + ".");
        }

        if (quarantined > 0)
        {
            sentences.Add(t.Count(quarantined, "{0} item could not be imported and is kept aside (quarantine) for review.",
                "{0} items could not be imported and are kept aside (quarantine) for review."));
        }

        sentences.Add(gate.State switch
        {
            GateState.Approved => t["The final check was approved by {0} on {1} at {2} UTC.", gate.ApprovedBy, gate.ApprovedAtUtc is { } at ? t.Date(at) : "–",
                gate.ApprovedAtUtc?.ToString("HH:mm", CultureInfo.InvariantCulture)],
            GateState.Ready => t["The final check is passed and waits for the approval of our operations lead."],
            GateState.Revoked => t["The final check was approved and then withdrawn; it waits for a new approval."],
            _ => gate.Reasons.Count > 0 ? t["The final check is not passed yet: {0}.", gate.Reasons[0].TrimEnd('.')] : t["The final check is not passed yet."],
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
    internal static string Percent(double? ratio) => ReportText.English.Percent(ratio);

    private static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
