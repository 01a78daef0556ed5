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

    public static void Write(JobReport report, Stream output)
    {
        ReportFonts.EnsureInstalled();
        var job = report.Job;
        using var pdf = new PdfLayout($"Migration report {job.Domain}", $"Email migration report · {job.Domain}",
            job.TicketId is null ? job.Name : $"Ticket {job.TicketId} · {job.Name}",
            $"Generated {Time(report.GeneratedAtUtc)} · report schema {report.SchemaVersion} · Ligbox Migration Console");
        FirstPage(pdf, report);
        pdf.NewPage();
        GateSection(pdf, report);
        MailboxesSection(pdf, report);
        MissingSection(pdf, report);
        ImportsSection(pdf, report);
        RunsSection(pdf, report);
        FoldersSection(pdf, report);
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

    private static void FirstPage(PdfLayout pdf, JobReport report)
    {
        var job = report.Job;
        var s = report.Summary;
        var g = pdf.Gfx;
        g.DrawString("Email migration report", pdf.Title, new XSolidBrush(PdfLayout.Accent), new XRect(PdfLayout.Margin, pdf.Y, PdfLayout.ContentWidth, 26),
            XStringFormats.TopLeft);
        pdf.Y += 28;
        g.DrawString(job.Name == job.Domain ? job.Domain : $"{job.Name} · {job.Domain}", pdf.Heading, new XSolidBrush(PdfLayout.Ink),
            new XRect(PdfLayout.Margin, pdf.Y, PdfLayout.ContentWidth, 16), XStringFormats.TopLeft);
        pdf.Y += 26;

        pdf.Facts(
        [
            ("Customer", job.Name),
            ("Domain", job.Domain),
            ("Ticket", job.TicketId ?? "none"),
            ("From", report.Servers.Source is { } src ? $"{src.Host} (port {src.Port}, {src.Security})" : "PST/mbox files"),
            ("To", $"{report.Servers.Destination.Host} (port {report.Servers.Destination.Port}, {report.Servers.Destination.Security})"),
            ("Copied with", report.Servers.Engine),
            ("Period", s.FirstRunAtUtc is { } first ? $"{Time(first)} to {Time(s.LastRunAtUtc)}" : "no run yet"),
            ("State", $"{Phase(job.Phase)} · report of {Time(report.GeneratedAtUtc)}"),
        ]);
        pdf.Y += 10;

        // Four figures at a glance.
        var tiles = new (string Value, string Label)[]
        {
            ($"{s.DestinationMessages.ToString("N0", En)}", $"of {s.SourceMessages.ToString("N0", En)} messages moved"),
            (JobReportService.Percent(s.Ratio), "of the messages are on the new server"),
            ($"{s.MailboxesComplete.ToString("N0", En)} / {(s.Mailboxes - s.MailboxesExcluded).ToString("N0", En)}", "mailboxes complete"),
            (GateWord(report.Gate.State), "final check"),
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
        pdf.SectionHeading("Summary", 40);
        foreach (var sentence in s.Sentences)
        {
            pdf.Paragraph("•  " + sentence, indent: 0, after: 3);
        }

        pdf.Y += 8;
        pdf.Paragraph("The following pages give the details: the final check and who decided it, every mailbox with its counts, " +
            "what is missing and why, the imports, the runs with their duration and speed, and every folder.", pdf.Small, PdfLayout.Muted);
    }

    private static void GateSection(PdfLayout pdf, JobReport report)
    {
        var gate = report.Gate;
        pdf.SectionHeading("Final check (migration gate)");
        pdf.Facts(
        [
            ("State", GateWord(gate.State)),
            ("Grade", gate.Grade.ToString()),
            ("Messages", $"{gate.DestinationMessages.ToString("N0", En)} of {gate.SourceMessages.ToString("N0", En)} ({JobReportService.Percent(gate.Ratio)}); " +
                $"required {JobReportService.Percent(gate.Threshold)}"),
            ("Data", gate.BytesRatio is null ? "not measured" : JobReportService.Percent(gate.BytesRatio) + " of the bytes"),
            ("Approved", gate.ApprovedBy is null ? "not approved" : $"by {gate.ApprovedBy} on {Time(gate.ApprovedAtUtc)}" +
                (gate.AcceptedMissing ? ", accepting the listed missing messages" : "") + (gate.AcceptedExcluded ? ", accepting the excluded mailboxes" : "")),
            ("Comment", gate.Comment ?? "none"),
        ]);
        if (gate.Reasons.Count > 0)
        {
            pdf.Y += 4;
            var passed = gate.State is GateState.Ready or GateState.Approved;
            pdf.Paragraph(passed ? "What the check found:" : "Why the check is not passed:", pdf.Bold);
            foreach (var reason in gate.Reasons.Take(50))
            {
                pdf.Paragraph("•  " + reason, pdf.Regular, passed ? PdfLayout.Ink : PdfLayout.Danger, 8, 1);
            }

            if (gate.Reasons.Count > 50)
            {
                pdf.Paragraph($"… and {gate.Reasons.Count - 50:N0} more reasons (see the JSON report).", pdf.Small, PdfLayout.Muted, 8);
            }
        }

        if (gate.Excluded.Count > 0)
        {
            pdf.Y += 6;
            pdf.Paragraph("Mailboxes left out by agreement", pdf.Bold);
            pdf.Table([new("Mailbox", 4.2), new("Reason", 4), new("By", 2.4), new("When", 1.8)],
                gate.Excluded.Select(e => new PdfRow([e.Login, e.Reason ?? "", e.By ?? "", Time(e.AtUtc)])));
        }

        pdf.Y += 4;
        pdf.Paragraph("Decisions", pdf.Bold);
        if (gate.Decisions.Count == 0)
        {
            pdf.Paragraph("No decision recorded yet.", pdf.Regular, PdfLayout.Muted);
            return;
        }

        pdf.Table([new("When (UTC)", 2), new("Who", 2), new("What", 7)],
            gate.Decisions.Select(d => new PdfRow([Time(d.AtUtc), d.Actor, d.Text])));
    }

    private static void MailboxesSection(PdfLayout pdf, JobReport report)
    {
        pdf.SectionHeading($"Mailboxes ({report.Mailboxes.Count:N0})");
        if (report.Mailboxes.Count == 0)
        {
            pdf.Paragraph("The job has no mailboxes.");
            return;
        }

        pdf.Table(
        [
            new("Mailbox", 5.2), new("State", 1.4), new("Source", 1.3, Align.Right), new("Destination", 1.7, Align.Right),
            new("Share", 1.2, Align.Right), new("Missing", 1.4, Align.Right), new("Notes", 4),
        ],
        report.Mailboxes.Select(m => new PdfRow(
        [
            m.Login == m.DestinationLogin ? m.Login : $"{m.Login} → {m.DestinationLogin}",
            m.Excluded ? "Left out" : MailboxWord(m),
            Num(m.SourceMessages), Num(m.DestinationMessages), JobReportService.Percent(m.Ratio), m.MissingMessages == 0 ? "" : Num(m.MissingMessages),
            string.Join(" ", m.Notes),
        ], m.Status == MailboxStatus.Failed || m.MissingMessages > 0 ? RowStyle.Warning : RowStyle.Normal)));
    }

    private static void MissingSection(PdfLayout pdf, JobReport report)
    {
        var missing = report.Mailboxes.SelectMany(m => m.Missing.Select(x => (m.Login, x))).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        pdf.SectionHeading($"Messages not on the new server ({missing.Count:N0} listed)");
        pdf.Table([new("Mailbox", 4.2), new("Folder", 2), new("Date", 1.6), new("Subject", 4)],
            missing.Take(MaxListedItems).Select(x => new PdfRow([x.Login, x.x.Folder, x.x.Date is { } d ? d.ToString("yyyy-MM-dd HH:mm", En) : "",
                x.x.Subject ?? x.x.MessageId ?? "(no subject)"])));
        if (missing.Count > MaxListedItems)
        {
            pdf.Paragraph($"… and {missing.Count - MaxListedItems:N0} more in the JSON report.", pdf.Small, PdfLayout.Muted);
        }
    }

    private static void ImportsSection(PdfLayout pdf, JobReport report)
    {
        if (report.Imports.Count == 0)
        {
            return;
        }

        pdf.SectionHeading($"Imports from files ({report.Imports.Count:N0})");
        pdf.Table(
        [
            new("Mailbox", 3), new("File", 3), new("State", 1.4), new("Read", 1.1, Align.Right), new("Imported", 1.2, Align.Right),
            new("Already there", 1.2, Align.Right), new("Quarantined", 1.3, Align.Right), new("Contacts, calendar", 1.3, Align.Right),
        ],
        report.Imports.Select(i => new PdfRow(
        [
            i.Mailbox, $"{i.File} ({i.SourceKind}, {Bytes(i.SourceBytes)})", i.Status.ToString(), Num(i.Parsed), Num(i.Appended), Num(i.AlreadyThere),
            Num(i.Quarantined), Num(i.ContactsAndCalendarItems),
        ], i.Status == RunStatus.Failed || i.Quarantined > 0 ? RowStyle.Warning : RowStyle.Normal)));

        var quarantined = report.Imports.SelectMany(i => i.QuarantinedItems.Select(q => (i, q))).ToList();
        if (quarantined.Count > 0)
        {
            pdf.Paragraph("Items kept aside (quarantine)", pdf.Bold);
            pdf.Table([new("Mailbox / file", 3), new("Folder", 2), new("Subject", 3), new("Why", 4)],
                quarantined.Take(MaxListedItems).Select(x => new PdfRow([$"{x.i.Mailbox} / {x.i.File}", x.q.SourceFolder, x.q.Subject ?? "", x.q.Reason])));
        }
    }

    private static void RunsSection(PdfLayout pdf, JobReport report)
    {
        pdf.SectionHeading($"Runs ({report.Runs.Count:N0})");
        if (report.Runs.Count == 0)
        {
            pdf.Paragraph("No run yet.");
            return;
        }

        pdf.Table(
        [
            new("Run", 1.5), new("Started (UTC)", 2), new("Duration", 1.3, Align.Right), new("State", 1.4), new("Mailboxes", 1.4, Align.Right),
            new("Messages copied", 1.5, Align.Right), new("Messages/s", 1.6, Align.Right), new("Data", 1.3, Align.Right), new("Data/s", 1.3, Align.Right),
        ],
        report.Runs.Select(r => new PdfRow(
        [
            RunWord(r.Kind), Time(r.StartedAtUtc ?? r.QueuedAtUtc), Duration(r.DurationSeconds), Run.Describe(r.Status),
            r.Mailboxes is { } b ? (r.MailboxesFailed is > 0 ? $"{b:N0} ({r.MailboxesFailed:N0} failed)" : b.ToString("N0", En)) : "",
            Num(r.MessagesCopied), r.MessagesPerSecond is { } mps ? mps.ToString("N1", En) : "", r.BytesCopied is { } by ? Bytes(by) : "",
            r.BytesPerSecond is { } bps ? Bytes((long)bps) + "/s" : "",
        ], r.Status == RunStatus.Failed ? RowStyle.Warning : RowStyle.Normal)));
    }

    private static void FoldersSection(PdfLayout pdf, JobReport report)
    {
        var all = report.Mailboxes.Count <= FolderDetailsForAllUpTo;
        var shown = report.Mailboxes.Where(m => m.Folders.Count > 0 && (all || m.MissingMessages > 0 || m.Status == MailboxStatus.Failed
            || m.Folders.Any(f => f.Difference is not null && f.OutOfWindow == 0))).ToList();
        pdf.SectionHeading("Folders");
        if (!all)
        {
            pdf.Paragraph($"With {report.Mailboxes.Count:N0} mailboxes, this section lists only the {shown.Count:N0} mailbox(es) with a difference; " +
                "the JSON report has the folders of every mailbox.", pdf.Small, PdfLayout.Muted);
        }

        if (shown.Count == 0)
        {
            pdf.Paragraph("No folder figures to show.", pdf.Regular, PdfLayout.Muted);
            return;
        }

        pdf.Table(
        [
            new("Folder", 3.2), new("Destination folder", 3), new("Source", 1.2, Align.Right), new("Destination", 1.7, Align.Right), new("Difference and why", 4.3),
        ],
        shown.SelectMany(m => new[] { new PdfRow([$"{m.Login}: {Num(m.DestinationMessages)} of {Num(m.SourceMessages)} messages"], RowStyle.Group) }
            .Concat(m.Folders.Select(f => new PdfRow([f.SourceFolder, f.DestinationFolder ?? "", Num(f.SourceMessages), Num(f.DestinationMessages), f.Difference ?? ""],
                f.DestinationMessages < f.SourceMessages ? RowStyle.Warning : RowStyle.Normal)))));
    }

    private static string MailboxWord(ReportMailbox m) => m.Source == "none" && m.Status != MailboxStatus.Failed
        ? "Not migrated"
        : m.Status switch
        {
            MailboxStatus.Failed => "Failed",
            MailboxStatus.Syncing => "Copying",
            _ when m.MissingMessages > 0 => "Differences",
            _ => "Complete",
        };

    private static string GateWord(GateState state) => state switch
    {
        GateState.Approved => "Approved",
        GateState.Ready => "Passed, awaiting approval",
        GateState.Revoked => "Approval withdrawn",
        _ => "Not passed yet",
    };

    private static string Phase(Jobs.MigrationPhase phase) => phase switch
    {
        Jobs.MigrationPhase.GateReady => "final check passed",
        Jobs.MigrationPhase.GateApproved => "approved",
        Jobs.MigrationPhase.FinalSync => "final sync",
        _ => phase.ToString().ToLowerInvariant(),
    };

    private static string RunWord(RunKind kind) => kind switch
    {
        RunKind.Preflight => "Pre-flight",
        RunKind.Pst => "PST/mbox import",
        RunKind.Tgz => "TGZ import",
        _ => kind + " sync",
    };

    private static string Num(long? n) => n is { } v ? v.ToString("N0", En) : "–";

    private static string Time(DateTime? t) => t is { } v ? v.ToString("yyyy-MM-dd HH:mm", En) : "–";

    private static string Duration(double? seconds) => seconds switch
    {
        null => "",
        < 60 => $"{seconds.Value.ToString("0", En)} s",
        < 3600 => $"{(int)(seconds.Value / 60)} min {(int)(seconds.Value % 60)} s",
        _ => $"{(int)(seconds.Value / 3600)} h {(int)(seconds.Value % 3600 / 60)} min",
    };

    internal static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.0", En) + " KB",
        < 1024L * 1024 * 1024 => (bytes / 1024.0 / 1024).ToString("0.0", En) + " MB",
        _ => (bytes / 1024.0 / 1024 / 1024).ToString("0.00", En) + " GB",
    };
}
