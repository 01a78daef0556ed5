using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Ligbox.Core.Accounts;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Persistence;
using Ligbox.Core.Reports;
using Ligbox.Core.Runs;
using Ligbox.Core.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Core.Tests.Reports;

/// <summary>
/// A job's language (issue 16): chosen, defaulted from the creator's profile or the request, changed in the settings;
/// the PDF report is written in it (poppler's pdftotext reads Portuguese headings and pt-formatted numbers), while the
/// JSON report stays English. On a real SQLite file with the real Core services.
/// </summary>
public class ReportLanguageTests
{
    private static readonly DateTime Ended = new(2026, 11, 20, 11, 40, 0, DateTimeKind.Utc);

    private static async Task<JobDto> NewJobAsync(CoreHost host, string domain, string? language, string actor = "tech@test")
    {
        await using var scope = host.Scope();
        return await host.Get<JobService>(scope).CreateAsync(new CreateJobRequest
        {
            Domain = domain,
            Name = "Padaria Central",
            TicketId = "T-4711",
            Source = new() { Host = "old.example.com" },
            Destination = new() { Host = "new.example.com" },
            Language = language,
        }, actor);
    }

    /// <summary>Three mailboxes with large counts (one short of messages, one excluded) and an initial sync with its figures.</summary>
    private static async Task SeedAsync(CoreHost host, Guid jobId, string domain)
    {
        await using (var scope = host.Scope())
        {
            var csv = $"source_user,source_password,dest_user,dest_password\nana@{domain},a,ana@{domain},a\nbo@{domain},b,bo@{domain},b\ncy@{domain},c,cy@{domain},c\n";
            Assert.True((await host.Get<MailboxService>(scope).ImportCsvAsync(jobId, csv, commit: true, "tech@test")).Committed);
        }

        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>().CreateDbContextAsync();
        var boxes = await db.Mailboxes.Where(m => m.JobId == jobId).OrderBy(m => m.SourceLogin).ToListAsync();
        boxes[0].RecordCounts(1_234_567, 1_234_000, Ended);
        boxes[1].RecordCounts(2_500, 2_500, Ended);
        boxes[2].Exclude("Caixa fechada pelo cliente", "lead@test", Ended);
        var run = new Run(jobId, RunKind.Initial, RunTrigger.Manual, "tech@test", Ended.AddSeconds(-20));
        run.Start(Ended.AddSeconds(-10), "/tmp/none.log");
        // 12,345 messages in 10 s: 1,234.5 messages per second.
        run.Complete(Ended, """{"mailboxes":2,"failed":0,"messagesTransferred":12345,"bytesTransferred":1294467072}""");
        db.Runs.Add(run);
        await db.SaveChangesAsync();
    }

    private static async Task<string> PdfTextAsync(byte[] pdf, string keepAs)
    {
        var dir = Path.Combine(RepoRoot(), "artifacts", "reports");
        Directory.CreateDirectory(dir);
        // Kept for people to look at (artifacts/ is gitignored): pdftoppm -png -r 70 artifacts/reports/<name>.pdf
        var file = Path.Combine(dir, keepAs + ".pdf");
        await File.WriteAllBytesAsync(file, pdf);
        using var process = Process.Start(new ProcessStartInfo("pdftotext", ["-layout", "-enc", "UTF-8", file, "-"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("pdftotext did not start (apt-get install poppler-utils; scripts/install-test-deps.sh).");
        var text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, "pdftotext failed: " + await process.StandardError.ReadToEndAsync());
        return text;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ligbox.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Ligbox.slnx not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public async Task ThePdf_OfAPortugueseJob_IsInPortuguese_WithPortugueseNumbersAndDates()
    {
        await using var host = await CoreHost.StartAsync();
        var job = await NewJobAsync(host, "padaria.example.pt", "pt");
        Assert.Equal("pt", job.Language);
        await SeedAsync(host, job.Id, "padaria.example.pt");

        await using var scope = host.Scope();
        var reports = host.Get<JobReportService>(scope);
        var report = await reports.BuildInJobLanguageAsync(job.Id);
        Assert.Equal("pt", report.Language);
        var text = await PdfTextAsync(JobReportPdf.Render(report), "job-report-pt");

        foreach (var expected in new[]
                 {
                     "Relatório de migração de correio", "Resumo", "Cliente", "Pedido T-4711", "Página 1 de ",
                     "Verificação final (ponto de controlo)", "Caixas de correio (3)", "Execuções (1)", "Início (UTC)", "Sincronização", "Msg/s",
                     "Concluída", "Pastas",
                     // pt numbers: a dot between thousands, a comma before decimals.
                     "Migrámos 1.236.500 de 1.237.067 mensagens (99,95 %) em 2 caixas de correio de padaria.example.pt,",
                     "1.234,5", "1,21 GB", "567 mensagem(ns) da origem",
                     "1 caixa de correio foi excluída por acordo", "Caixa fechada pelo cliente",
                     // The gate's reasons too, with Portuguese numbers.
                     "Ainda não terminou nenhuma sincronização final.", "ana@padaria.example.pt: verificada há",
                     // dates as the Portuguese write them, and the zone said.
                     "20/11/2026 11:40", "UTC",
                 })
        {
            Assert.True(text.Contains(expected, StringComparison.Ordinal), $"the Portuguese PDF lacks \"{expected}\":\n{text}");
        }

        foreach (var english in new[] { "Email migration report", "Summary", "Mailboxes (3)", "Page 1 of", "We moved", "Initial sync", "Started (UTC)", "2026-11-20", "No final sync has completed yet", "verified" })
        {
            Assert.False(text.Contains(english, StringComparison.Ordinal), $"the Portuguese PDF shows English \"{english}\":\n{text}");
        }
    }

    [Fact]
    public async Task TheJson_StaysEnglish_AndAnEnglishJob_KeepsItsEnglishPdf()
    {
        await using var host = await CoreHost.StartAsync();
        var pt = await NewJobAsync(host, "json.example.pt", "pt");
        await SeedAsync(host, pt.Id, "json.example.pt");
        var en = await NewJobAsync(host, "english.example.com", "en");
        await SeedAsync(host, en.Id, "english.example.com");

        await using var scope = host.Scope();
        var reports = host.Get<JobReportService>(scope);
        var json = await reports.BuildAsync(pt.Id);
        Assert.Equal("en", json.Language);
        Assert.StartsWith("We moved 1,236,500 of 1,237,067 messages (99.95 %)", json.Summary.Sentences[0], StringComparison.Ordinal);

        var english = await PdfTextAsync(JobReportPdf.Render(await reports.BuildInJobLanguageAsync(en.Id)), "job-report-en-small");
        Assert.Contains("Email migration report", english, StringComparison.Ordinal);
        Assert.Contains("Mailboxes (3)", english, StringComparison.Ordinal);
        Assert.Contains("1,234.5", english, StringComparison.Ordinal);
        Assert.Contains("2026-11-20 11:40", english, StringComparison.Ordinal);
        Assert.DoesNotContain("Resumo", english, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANewJob_TakesTheCreatorsProfileLanguage_ElseTheRequests_ElseEnglish()
    {
        await using var host = await CoreHost.StartAsync();
        await using (var scope = host.Scope())
        {
            var admin = await host.Get<UserManager<AppUser>>(scope).FindByEmailAsync("admin@test.local");
            await host.Get<OwnPreferencesService>(scope).SaveAsync(admin!.Id, "pt", null);
        }

        var before = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("en-US");
            Assert.Equal("pt", (await NewJobAsync(host, "profile.example.pt", null, "admin@test.local")).Language);
            Assert.Equal("en", (await NewJobAsync(host, "asked.example.com", "en", "admin@test.local")).Language);
            Assert.Equal("en", (await NewJobAsync(host, "nobody.example.com", null)).Language);
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("pt-BR");
            Assert.Equal("pt", (await NewJobAsync(host, "browser.example.com.br", null)).Language);
            CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
            Assert.Equal("en", (await NewJobAsync(host, "invariant.example.com", null)).Language);
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }

    [Fact]
    public async Task TheLanguage_IsChangedInTheSettings_Audited_AndAnUnknownOneRefused()
    {
        await using var host = await CoreHost.StartAsync();
        var job = await NewJobAsync(host, "change.example.com", "en");
        await using var scope = host.Scope();
        var jobs = host.Get<JobService>(scope);

        var changed = await jobs.UpdateAsync(job.Id, new UpdateJobRequest { Language = "pt-PT" }, "tech@test");
        Assert.Equal("pt", changed.Language);
        Assert.Equal("pt", (await jobs.GetAsync(job.Id)).Language);
        await using (var db = await host.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>().CreateDbContextAsync())
        {
            var audit = await db.AuditEntries.Where(a => a.JobId == job.Id && a.Action == "job.updated").Select(a => a.Details).ToListAsync();
            Assert.Contains(audit, d => d != null && d.Contains("report language changed from en to pt", StringComparison.Ordinal));
        }

        var refused = await Assert.ThrowsAsync<ValidationFailedException>(() => jobs.UpdateAsync(job.Id, new UpdateJobRequest { Language = "klingon" }, "tech@test"));
        Assert.Contains("language", refused.Errors.Keys);
        await Assert.ThrowsAsync<ValidationFailedException>(() => NewJobAsync(host, "bad.example.com", "de"));
        Assert.Equal("pt", (await jobs.GetAsync(job.Id)).Language);
    }

    [Fact]
    public void EveryReportText_HasItsPortuguese_WithTheSamePlaceholders()
    {
        var dir = Path.Combine(RepoRoot(), "Ligbox.Core", "Reports");
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(dir, "*.cs"))
        {
            var source = File.ReadAllText(file);
            foreach (Match m in Regex.Matches(source, @"\b(?:t|this)\[\s*""((?:[^""\\]|\\.)+)"""))
            {
                keys.Add(Regex.Unescape(m.Groups[1].Value));
            }

            // The gate reasons' table: (pattern, "English key").
            foreach (Match m in Regex.Matches(source, @"\),\s*""((?:[^""\\]|\\.)+)""\),"))
            {
                keys.Add(Regex.Unescape(m.Groups[1].Value));
            }

            foreach (Match m in Regex.Matches(source, @"\.Count\([^,]+,\s*""((?:[^""\\]|\\.)+)"",\s*""((?:[^""\\]|\\.)+)""\)"))
            {
                keys.Add(Regex.Unescape(m.Groups[1].Value));
                keys.Add(Regex.Unescape(m.Groups[2].Value));
            }
        }

        Assert.True(keys.Count > 100, $"only {keys.Count} texts found in {dir}");
        var pt = XDocument.Load(Path.Combine(dir, "ReportText.pt.resx")).Root!.Elements("data")
            .ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? "");
        var placeholder = new Regex(@"\{\d+\}");
        var problems = keys.Where(k => !pt.TryGetValue(k, out var v) || string.IsNullOrWhiteSpace(v)).Select(k => $"missing: \"{k}\"")
            .Concat(keys.Where(pt.ContainsKey).Where(k => !placeholder.Matches(k).Select(x => x.Value).Order().SequenceEqual(placeholder.Matches(pt[k]).Select(x => x.Value).Order()))
                .Select(k => $"placeholders differ: \"{k}\" → \"{pt[k]}\""))
            .ToList();
        // The .resx compiler folds case: "Failed" and "failed" would be one text.
        problems.AddRange(pt.Keys.GroupBy(k => k, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => "differ only in case: " + string.Join(" / ", g)));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        // And the satellite assembly is really there: a text comes back in Portuguese.
        Assert.Equal("Resumo", ReportText.Portuguese["Summary"]);
        Assert.Equal("Summary", ReportText.English["Summary"]);
    }

    [Theory]
    [InlineData("ana@x.pt: 1,234 of 2,000 messages (61.7%) — below the 99% threshold.", "ana@x.pt: 1.234 de 2.000 mensagens (61,7 %) — abaixo do limiar de 99 %.")]
    [InlineData("No final sync has completed yet.", "Ainda não terminou nenhuma sincronização final.")]
    [InlineData("bo@x.pt is excluded from the job (closed) and not counted; approving needs the explicit acceptance of the excluded mailboxes.",
        "bo@x.pt está excluída da migração (closed) e não é contada; aprovar exige aceitar explicitamente as caixas de correio excluídas.")]
    [InlineData("Something the gate may say one day.", "Something the gate may say one day.")]
    public void GateReasons_AreSaidAgainInPortuguese_WithPortugueseNumbers(string english, string portuguese)
    {
        Assert.Equal(portuguese, ReportText.Portuguese.GateReason(english));
        Assert.Equal(english, ReportText.English.GateReason(english));
    }

    [Fact]
    public void Formats_FollowTheLanguage()
    {
        Assert.Equal("1,5 MB", ReportText.Portuguese.Bytes(1_572_864));
        Assert.Equal("1.5 MB", ReportText.English.Bytes(1_572_864));
        Assert.Equal("1.234,5", ReportText.Portuguese.Decimal(1234.5));
        Assert.Equal("1.234.567", ReportText.Portuguese.Num(1_234_567));
        Assert.Equal("1,234,567", ReportText.English.Num(1_234_567));
        Assert.Equal("99,95 %", ReportText.Portuguese.Percent(0.99954));
        Assert.Equal("99.95 %", ReportText.English.Percent(0.99954));
        Assert.Equal("04/12/2026 23:30 UTC", ReportText.Portuguese.TimeUtc(new DateTime(2026, 12, 4, 23, 30, 0, DateTimeKind.Utc)));
        Assert.Equal("2026-12-04 23:30 UTC", ReportText.English.TimeUtc(new DateTime(2026, 12, 4, 23, 30, 0, DateTimeKind.Utc)));
        Assert.Equal("1 caixa de correio", ReportText.Portuguese.Count(1, "{0} mailbox", "{0} mailboxes"));
        Assert.Equal("1.500 caixas de correio", ReportText.Portuguese.Count(1500, "{0} mailbox", "{0} mailboxes"));
    }
}
