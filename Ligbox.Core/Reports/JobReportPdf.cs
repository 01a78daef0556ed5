using System.Globalization;
using Ligbox.Core.Gate;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Runs;
using PdfSharp.Drawing;

namespace Ligbox.Core.Reports;

/// <summary>
/// Prints a <see cref="JobReport"/> as the PDF a hosting company sends its customer: a first page with the
/// summary in words and the key figures, then the details (the final check and its decisions, every mailbox,
/// missing messages, imports, runs, folders). The same data as the JSON report.
/// </summary>
public static class JobReportPdf
{
    /// <summary>Folder tables list every mailbox up to this many; above it only mailboxes with a difference (the JSON has all).</summary>
    public const int FolderDetailsForAllUpTo = 500;

    /// <summary>Missing messages and quarantined items listed in the PDF (the JSON has all of them).</summary>
    public const int MaxListedItems = 2000;

    private static readonly CultureInfo En = CultureInfo.InvariantCulture;

    /// <summary>Writes the report in its <see cref="JobReport.Language"/> (the job's, see <see cref="JobReportService.BuildInJobLanguageAsync"/>).</summary>
    public static void Write(JobReport report, Stream output)
    {
        ReportFonts.EnsureInstalled();
        var job = report.Job;
        var t = ReportText.For(report.Language);
        using var pdf = new PdfLayout(t["Migration report {0}", job.Domain], t["Email migration report · {0}", job.Domain],
            job.TicketId is null ? job.Name : t["Ticket {0} · {1}", job.TicketId, job.Name],
            t["Generated {0} · report schema {1} · Ligbox Migration Console", t.TimeUtc(report.GeneratedAtUtc), report.SchemaVersion],
            t["Page {0} of {1}"]);
        FirstPage(pdf, report, t);
        pdf.NewPage();
        GateSection(pdf, report, t);
        MailboxesSection(pdf, report, t);
        MissingSection(pdf, report, t);
        ImportsSection(pdf, report, t);
        RunsSection(pdf, report, t);
        FoldersSection(pdf, report, t);
        pdf.Save(output);
    }

    /// <summary>The download's file name: <c>migration-report-example.com-20261204.pdf</c>.</summary>
    public static string FileName(JobReport report) =>
        $"migration-report-{report.Job.Domain}-{report.GeneratedAtUtc.ToString("yyyyMMdd", En)}.pdf";

    public static byte[] Render(JobReport report)
    {
        using var stream = new MemoryStream();
        Write(report, stream);
        return stream.ToArray();
    }

    private static void FirstPage(PdfLayout pdf, JobReport report, ReportText t)
    {
        var job = report.Job;
        var s = report.Summary;
        var g = pdf.Gfx;
        g.DrawString(t["Email migration report"], pdf.Title, new XSolidBrush(PdfLayout.Accent), new XRect(PdfLayout.Margin, pdf.Y, PdfLayout.ContentWidth, 26),
            XStringFormats.TopLeft);
        pdf.Y += 28;
        g.DrawString(job.Name == job.Domain ? job.Domain : $"{job.Name} · {job.Domain}", pdf.Heading, new XSolidBrush(PdfLayout.Ink),
            new XRect(PdfLayout.Margin, pdf.Y, PdfLayout.ContentWidth, 16), XStringFormats.TopLeft);
        pdf.Y += 26;

        pdf.Facts(
        [
            (t["Customer"], job.Name),
            (t["Domain"], job.Domain),
            (t["Ticket"], job.TicketId ?? t["none"]),
            (t["From"], report.Servers.Source is { } src ? t["{0} (port {1}, {2})", src.Host, src.Port, src.Security] : t["PST/mbox files"]),
            (t["To"], t["{0} (port {1}, {2})", report.Servers.Destination.Host, report.Servers.Destination.Port, report.Servers.Destination.Security]),
            (t["Copied with"], t[report.Servers.Engine]),
            (t["Period"], s.FirstRunAtUtc is { } first ? t["{0} to {1}", t.Time(first), t.TimeUtc(s.LastRunAtUtc)] : t["no run yet"]),
            (t["State"], t["{0} · report of {1}", Phase(job.Phase, t), t.TimeUtc(report.GeneratedAtUtc)]),
        ]);
        pdf.Y += 10;

        // Four figures at a glance.
        var tiles = new (string Value, string Label)[]
        {
            (t.Num(s.DestinationMessages), t["of {0} messages moved", t.Num(s.SourceMessages)]),
            (t.Percent(s.Ratio), t["of the messages are on the new server"]),
            ($"{t.Num(s.MailboxesComplete)} / {t.Num(s.Mailboxes - s.MailboxesExcluded)}", t["mailboxes complete"]),
            (GateWord(report.Gate.State, t), t["final check"]),
        };
        const double gap = 8;
        var w = (PdfLayout.ContentWidth - 3 * gap) / 4;
        for (var i = 0; i < tiles.Length; i++)
        {
            var x = PdfLayout.Margin + i * (w + gap);
            g.DrawRectangle(new XSolidBrush(PdfLayout.Shade), x, pdf.Y, w, 58);
            g.DrawRectangle(new XSolidBrush(PdfLayout.Accent), x, pdf.Y, 3, 58);
            // Long figures (9,985 / 9,995) shrink to fit their tile.
            var figure = pdf.Figure;
            while (g.MeasureString(tiles[i].Value, figure).Width > w - 16 && figure.Size > 9)
            {
                figure = new XFont(ReportFonts.Family, figure.Size - 1, XFontStyleEx.Bold);
            }

            g.DrawString(tiles[i].Value, figure, new XSolidBrush(PdfLayout.Accent), new XRect(x + 10, pdf.Y + 8, w - 14, 20), XStringFormats.TopLeft);
            var lines = pdf.Wrap(tiles[i].Label, pdf.Small, w - 14);
            for (var l = 0; l < lines.Count; l++)
            {
                g.DrawString(lines[l], pdf.Small, new XSolidBrush(PdfLayout.Muted), new XRect(x + 10, pdf.Y + 32 + l * 10, w - 14, 10), XStringFormats.TopLeft);
            }
        }

        pdf.Y += 72;
        pdf.SectionHeading(t["Summary"], 40);
        foreach (var sentence in s.Sentences)
        {
            pdf.Paragraph("•  " + sentence, indent: 0, after: 3);
        }

        pdf.Y += 8;
        pdf.Paragraph(t["The following pages give the details: the final check and who decided it, every mailbox with its counts, what is missing and why, the imports, the runs with their duration and speed, and every folder."],
            pdf.Small, PdfLayout.Muted);
    }

    private static void GateSection(PdfLayout pdf, JobReport report, ReportText t)
    {
        var gate = report.Gate;
        pdf.SectionHeading(t["Final check (migration gate)"]);
        pdf.Facts(
        [
            (t["State"], GateWord(gate.State, t)),
            (t["Grade"], Grade(gate.Grade, t)),
            (t["Messages"], t["{0} of {1} ({2}); required {3}", t.Num(gate.DestinationMessages), t.Num(gate.SourceMessages), t.Percent(gate.Ratio), t.Percent(gate.Threshold)]),
            (t["Data"], gate.BytesRatio is null ? t["not measured"] : t["{0} of the bytes", t.Percent(gate.BytesRatio)]),
            (t["Approval"], gate.ApprovedBy is null ? t["not approved"] : t["by {0} on {1}", gate.ApprovedBy, t.TimeUtc(gate.ApprovedAtUtc)] +
                (gate.AcceptedMissing ? t[", accepting the listed missing messages"] : "") + (gate.AcceptedExcluded ? t[", accepting the excluded mailboxes"] : "")),
            (t["Comment"], gate.Comment ?? t["none"]),
        ]);
        if (gate.Reasons.Count > 0)
        {
            pdf.Y += 4;
            var passed = gate.State is GateState.Ready or GateState.Approved;
            pdf.Paragraph(passed ? t["What the check found:"] : t["Why the check is not passed:"], pdf.Bold);
            foreach (var reason in gate.Reasons.Take(50))
            {
                pdf.Paragraph("•  " + reason, pdf.Regular, passed ? PdfLayout.Ink : PdfLayout.Danger, 8, 1);
            }

            if (gate.Reasons.Count > 50)
            {
                pdf.Paragraph(t["… and {0} more reasons (see the JSON report).", t.Num(gate.Reasons.Count - 50)], pdf.Small, PdfLayout.Muted, 8);
            }
        }

        if (gate.Excluded.Count > 0)
        {
            pdf.Y += 6;
            pdf.Paragraph(t["Mailboxes left out by agreement"], pdf.Bold);
            pdf.Table([new(t["Mailbox"], 4.2), new(t["Reason"], 4), new(t["By"], 2.4), new(t["When (UTC)"], 1.8)],
                gate.Excluded.Select(e => new PdfRow([e.Login, e.Reason ?? "", e.By ?? "", t.Time(e.AtUtc)])));
        }

        pdf.Y += 4;
        pdf.Paragraph(t["Decisions"], pdf.Bold);
        if (gate.Decisions.Count == 0)
        {
            pdf.Paragraph(t["No decision recorded yet."], pdf.Regular, PdfLayout.Muted);
            return;
        }

        pdf.Table([new(t["When (UTC)"], 2), new(t["Who"], 2), new(t["What"], 7)],
            gate.Decisions.Select(d => new PdfRow([t.Time(d.AtUtc), d.Actor, d.Text])));
    }

    private static void MailboxesSection(PdfLayout pdf, JobReport report, ReportText t)
    {
        pdf.SectionHeading(t["Mailboxes ({0})", t.Num(report.Mailboxes.Count)]);
        if (report.Mailboxes.Count == 0)
        {
            pdf.Paragraph(t["The job has no mailboxes."]);
            return;
        }

        pdf.Table(
        [
            new(t["Mailbox"], 4.4), new(t["State"], 1.9), new(t["Source"], 1.6, Align.Right), new(t["Destination"], 1.7, Align.Right),
            new(t["Share"], 1.2, Align.Right), new(t["Missing"], 1.4, Align.Right), new(t["Notes"], 4),
        ],
        report.Mailboxes.Select(m => new PdfRow(
        [
            m.Login == m.DestinationLogin ? m.Login : $"{m.Login} → {m.DestinationLogin}",
            m.Excluded ? t["Left out"] : MailboxWord(m, t),
            t.Num(m.SourceMessages), t.Num(m.DestinationMessages), t.Percent(m.Ratio), m.MissingMessages == 0 ? "" : t.Num(m.MissingMessages),
            string.Join(" ", m.Notes),
        ], m.Status == MailboxStatus.Failed || m.MissingMessages > 0 ? RowStyle.Warning : RowStyle.Normal)));
    }

    private static void MissingSection(PdfLayout pdf, JobReport report, ReportText t)
    {
        var missing = report.Mailboxes.SelectMany(m => m.Missing.Select(x => (m.Login, x))).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        pdf.SectionHeading(t["Messages not on the new server ({0} listed)", t.Num(missing.Count)]);
        pdf.Table([new(t["Mailbox"], 4.2), new(t["Folder"], 2), new(t["Date (UTC)"], 1.6), new(t["Subject"], 4)],
            missing.Take(MaxListedItems).Select(x => new PdfRow([x.Login, x.x.Folder, x.x.Date is { } d ? t.Time(d.UtcDateTime) : "",
                x.x.Subject ?? x.x.MessageId ?? t["(no subject)"]])));
        if (missing.Count > MaxListedItems)
        {
            pdf.Paragraph(t["… and {0} more in the JSON report.", t.Num(missing.Count - MaxListedItems)], pdf.Small, PdfLayout.Muted);
        }
    }

    private static void ImportsSection(PdfLayout pdf, JobReport report, ReportText t)
    {
        if (report.Imports.Count == 0)
        {
            return;
        }

        pdf.SectionHeading(t["Imports from files ({0})", t.Num(report.Imports.Count)]);
        pdf.Table(
        [
            new(t["Mailbox"], 3), new(t["File"], 3), new(t["State"], 1.4), new(t["Read"], 1.1, Align.Right), new(t["Imported"], 1.2, Align.Right),
            new(t["Already there"], 1.2, Align.Right), new(t["Quarantined"], 1.3, Align.Right), new(t["Contacts, calendar"], 1.3, Align.Right),
        ],
        report.Imports.Select(i => new PdfRow(
        [
            i.Mailbox, $"{i.File} ({i.SourceKind}, {t.Bytes(i.SourceBytes)})", t.Status(i.Status), t.Num(i.Parsed), t.Num(i.Appended), t.Num(i.AlreadyThere),
            t.Num(i.Quarantined), t.Num(i.ContactsAndCalendarItems),
        ], i.Status == RunStatus.Failed || i.Quarantined > 0 ? RowStyle.Warning : RowStyle.Normal)));

        var quarantined = report.Imports.SelectMany(i => i.QuarantinedItems.Select(q => (i, q))).ToList();
        if (quarantined.Count > 0)
        {
            pdf.Paragraph(t["Items kept aside (quarantine)"], pdf.Bold);
            pdf.Table([new(t["Mailbox / file"], 3), new(t["Folder"], 2), new(t["Subject"], 3), new(t["Why"], 4)],
                quarantined.Take(MaxListedItems).Select(x => new PdfRow([$"{x.i.Mailbox} / {x.i.File}", x.q.SourceFolder, x.q.Subject ?? "", x.q.Reason])));
        }
    }

    private static void RunsSection(PdfLayout pdf, JobReport report, ReportText t)
    {
        pdf.SectionHeading(t["Runs ({0})", t.Num(report.Runs.Count)]);
        if (report.Runs.Count == 0)
        {
            pdf.Paragraph(t["No run yet."]);
            return;
        }

        pdf.Table(
        [
            new(t["Run"], 2.1), new(t["Started (UTC)"], 2.4), new(t["Duration"], 1.1, Align.Right), new(t["State"], 1.5), new(t["Mailboxes"], 1.3, Align.Right),
            new(t["Messages copied"], 1.6, Align.Right), new(t["Messages/s"], 1.3, Align.Right), new(t["Data"], 1.3, Align.Right), new(t["Data/s"], 1.5, Align.Right),
        ],
        report.Runs.Select(r => new PdfRow(
        [
            t.RunWord(r.Kind), t.Time(r.StartedAtUtc ?? r.QueuedAtUtc), t.Duration(r.DurationSeconds), t.Status(r.Status),
            r.Mailboxes is { } b ? (r.MailboxesFailed is > 0 ? t["{0} ({1} failed)", t.Num(b), t.Num(r.MailboxesFailed)] : t.Num(b)) : "",
            t.Num(r.MessagesCopied), r.MessagesPerSecond is { } mps ? t.Decimal(mps) : "", r.BytesCopied is { } by ? t.Bytes(by) : "",
            r.BytesPerSecond is { } bps ? t.Bytes((long)bps) + "/s" : "",
        ], r.Status == RunStatus.Failed ? RowStyle.Warning : RowStyle.Normal)));
    }

    private static void FoldersSection(PdfLayout pdf, JobReport report, ReportText t)
    {
        var all = report.Mailboxes.Count <= FolderDetailsForAllUpTo;
        var shown = report.Mailboxes.Where(m => m.Folders.Count > 0 && (all || m.MissingMessages > 0 || m.Status == MailboxStatus.Failed
            || m.Folders.Any(f => f.Difference is not null && f.OutOfWindow == 0))).ToList();
        pdf.SectionHeading(t["Folders"]);
        if (!all)
        {
            pdf.Paragraph(t["With {0} mailboxes, this section lists only the {1} mailbox(es) with a difference; the JSON report has the folders of every mailbox.",
                t.Num(report.Mailboxes.Count), t.Num(shown.Count)], pdf.Small, PdfLayout.Muted);
        }

        if (shown.Count == 0)
        {
            pdf.Paragraph(t["No folder figures to show."], pdf.Regular, PdfLayout.Muted);
            return;
        }

        pdf.Table(
        [
            new(t["Folder"], 3.2), new(t["Destination folder"], 3), new(t["Source"], 1.2, Align.Right), new(t["Destination"], 1.7, Align.Right),
            new(t["Difference and why"], 4.3),
        ],
        shown.SelectMany(m => new[] { new PdfRow([t["{0}: {1} of {2} messages", m.Login, t.Num(m.DestinationMessages), t.Num(m.SourceMessages)]], RowStyle.Group) }
            .Concat(m.Folders.Select(f => new PdfRow([f.SourceFolder, f.DestinationFolder ?? "", t.Num(f.SourceMessages), t.Num(f.DestinationMessages), f.Difference ?? ""],
                f.DestinationMessages < f.SourceMessages ? RowStyle.Warning : RowStyle.Normal)))));
    }

    private static string MailboxWord(ReportMailbox m, ReportText t) => m.Source == "none" && m.Status != MailboxStatus.Failed
        ? t["Not migrated"]
        : m.Status switch
        {
            MailboxStatus.Failed => t["Failed"],
            MailboxStatus.Syncing => t["Copying"],
            _ when m.MissingMessages > 0 => t["Differences"],
            _ => t["Complete"],
        };

    private static string GateWord(GateState state, ReportText t) => state switch
    {
        GateState.Approved => t["Approved"],
        GateState.Ready => t["Passed, awaiting approval"],
        GateState.Revoked => t["Approval withdrawn"],
        _ => t["Not passed yet"],
    };

    private static string Grade(GateGrade grade, ReportText t) => grade switch
    {
        GateGrade.Perfect => t["Perfect"],
        GateGrade.Good => t["Good"],
        GateGrade.Investigate => t["Investigate"],
        GateGrade.Blocked => t["Blocked"],
        _ => grade.ToString(),
    };

    private static string Phase(Jobs.MigrationPhase phase, ReportText t) => phase switch
    {
        Jobs.MigrationPhase.Draft => t["job in draft"],
        Jobs.MigrationPhase.Preflight => t["job in pre-flight"],
        Jobs.MigrationPhase.Syncing => t["job syncing"],
        Jobs.MigrationPhase.FinalSync => t["job in final sync"],
        Jobs.MigrationPhase.GateReady => t["final check passed"],
        Jobs.MigrationPhase.GateApproved => t["job approved"],
        Jobs.MigrationPhase.Completed => t["job completed"],
        Jobs.MigrationPhase.Cancelled => t["job cancelled"],
        Jobs.MigrationPhase.Failed => t["job failed"],
        _ => phase.ToString().ToLowerInvariant(),
    };
}
