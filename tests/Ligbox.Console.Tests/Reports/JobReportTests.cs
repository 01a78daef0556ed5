using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Json.Schema;
using Ligbox.Console.Tests.Runs;
using Ligbox.Core.Accounts;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;

namespace Ligbox.Console.Tests.Reports;

/// <summary>
/// The job report (T030) of a job really migrated between two Dovecot servers: the JSON validates against
/// docs/report.schema.json and carries the counts; the PDF's text (poppler's pdftotext) carries the same figures.
/// </summary>
public class JobReportTests(JobReportTests.Fixture fixture) : IClassFixture<JobReportTests.Fixture>
{
    public const string Ticket = "T-4711";

    /// <summary>One migrated job: ana (INBOX 12, Archive 5), bo (INBOX 3), cy excluded; initial + final sync; gate approved.</summary>
    public sealed class Fixture : DovecotPairAppFactory
    {
        public Guid JobId { get; private set; }
        public string Domain { get; } = $"r{Guid.NewGuid():N}"[..10] + ".example.com";
        public string Ana { get; private set; } = "";
        public string Bo { get; private set; } = "";
        public string Cy { get; private set; } = "";
        public Dictionary<string, HttpClient> Callers { get; } = [];

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            foreach (var (name, client) in await CreatePeopleClientsAsync())
            {
                Callers[name] = client;
            }

            Callers["token:jobs:read"] = await CreateTokenClientAsync(Scopes.JobsRead);
            Callers["token:gate:read"] = await CreateTokenClientAsync(Scopes.GateRead);

            using var created = await Api.PostAsJsonAsync("/api/migration/jobs", new
            {
                domain = Domain,
                name = "Padaria Central",
                ticketId = Ticket,
                source = new { host = Source.Host, port = Source.Port, security = "None", auth = "Plain" },
                destination = new { host = Destination.Host, port = Destination.Port, security = "None", auth = "Plain" },
            });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            JobId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

            var (ana, asp, adp) = NewPair(Source, Destination);
            var (bo, bsp, bdp) = NewPair(Source, Destination);
            var (cy, csp, cdp) = NewPair(Source, Destination);
            (Ana, Bo, Cy) = (ana, bo, cy);
            await SeedAsync(Source, ana, "INBOX", 12);
            await SeedAsync(Source, ana, "Archive", 5, "old");
            await SeedAsync(Source, bo, "INBOX", 3);
            await AddMailboxAsync(Api, JobId, ana, asp, ana, adp);
            await AddMailboxAsync(Api, JobId, bo, bsp, bo, bdp);
            var cyId = await AddMailboxAsync(Api, JobId, cy, csp, cy, cdp);
            using (var excluded = await Api.PostAsJsonAsync($"/api/migration/jobs/{JobId}/mailboxes/{cyId}/exclude", new { reason = "Mailbox closed by the customer" }))
            {
                excluded.EnsureSuccessStatusCode();
            }

            foreach (var kind in new[] { "initial", "final" })
            {
                var run = await StartAsync(Api, $"/api/migration/jobs/{JobId}/sync", new { kind });
                Assert.Equal("Succeeded", (await WaitForRunAsync(Api, run, TimeSpan.FromSeconds(120))).GetProperty("status").GetString());
            }

            using var approved = await Callers["ops_lead"].PostAsJsonAsync($"/api/migration/jobs/{JobId}/approve-gate",
                new { comment = "Counts checked with the customer", acceptExcluded = true });
            Assert.True(approved.IsSuccessStatusCode, await approved.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task JsonReport_MatchesItsSchema_AndCarriesTheCounts()
    {
        using var response = await fixture.Callers["token:jobs:read"].GetAsync($"/api/migration/jobs/{fixture.JobId}/report");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);

        var schema = JsonSchema.FromText(await File.ReadAllTextAsync(Path.Combine(RepoRoot(), "docs", "report.schema.json")));
        var result = schema.Evaluate(JsonDocument.Parse(text).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        Assert.True(result.IsValid, "Schema errors: " + string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));

        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        Assert.Equal("1.0", root.GetProperty("schemaVersion").GetString());
        var job = root.GetProperty("job");
        Assert.Equal(fixture.Domain, job.GetProperty("domain").GetString());
        Assert.Equal(Ticket, job.GetProperty("ticketId").GetString());
        Assert.Equal("Padaria Central", job.GetProperty("name").GetString());
        Assert.Equal(fixture.Source.Host, root.GetProperty("servers").GetProperty("source").GetProperty("host").GetString());

        var summary = root.GetProperty("summary");
        Assert.Equal(3, summary.GetProperty("mailboxes").GetInt32());
        Assert.Equal(2, summary.GetProperty("mailboxesComplete").GetInt32());
        Assert.Equal(1, summary.GetProperty("mailboxesExcluded").GetInt32());
        Assert.Equal(20, summary.GetProperty("sourceMessages").GetInt64());
        Assert.Equal(20, summary.GetProperty("destinationMessages").GetInt64());
        Assert.Contains(summary.GetProperty("sentences").EnumerateArray(), s => s.GetString()!.Contains("We moved 20 of 20 messages", StringComparison.Ordinal));

        var mailboxes = root.GetProperty("mailboxes").EnumerateArray().ToDictionary(m => m.GetProperty("login").GetString()!);
        var ana = mailboxes[fixture.Ana];
        var folders = ana.GetProperty("folders").EnumerateArray().ToDictionary(f => f.GetProperty("sourceFolder").GetString()!);
        Assert.Equal(12, folders["INBOX"].GetProperty("sourceMessages").GetInt64());
        Assert.Equal(12, folders["INBOX"].GetProperty("destinationMessages").GetInt64());
        Assert.Equal(5, folders["Archive"].GetProperty("sourceMessages").GetInt64());
        Assert.Equal(5, folders["Archive"].GetProperty("destinationMessages").GetInt64());
        Assert.Equal("Final", ana.GetProperty("lastRunKind").GetString());
        Assert.Equal(3, mailboxes[fixture.Bo].GetProperty("destinationMessages").GetInt64());
        var cy = mailboxes[fixture.Cy];
        Assert.True(cy.GetProperty("excluded").GetBoolean());
        Assert.Contains(cy.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("Mailbox closed by the customer", StringComparison.Ordinal));

        var gate = root.GetProperty("gate");
        Assert.Equal("Approved", gate.GetProperty("state").GetString());
        Assert.Equal("lead@ligbox.test", gate.GetProperty("approvedBy").GetString());
        Assert.Contains(gate.GetProperty("decisions").EnumerateArray(), d => d.GetProperty("action").GetString() == "gate.approved"
            && d.GetProperty("actor").GetString() == "lead@ligbox.test" && d.GetProperty("text").GetString()!.Contains("Counts checked with the customer", StringComparison.Ordinal));
        Assert.Single(gate.GetProperty("excluded").EnumerateArray());

        var runs = root.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["Initial", "Final"], runs.Select(r => r.GetProperty("kind").GetString()!).ToArray());
        var initial = runs[0];
        Assert.Equal(20, initial.GetProperty("messagesCopied").GetInt64());
        Assert.True(initial.GetProperty("durationSeconds").GetDouble() > 0);
        Assert.True(initial.GetProperty("messagesPerSecond").GetDouble() > 0);
    }

    [Fact]
    public async Task PdfReport_TextCarriesTheCounts_AndPageNumbers()
    {
        using var response = await fixture.Callers["technician"].GetAsync($"/api/migration/jobs/{fixture.JobId}/report.pdf");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(fixture.Domain, response.Content.Headers.ContentDisposition?.FileName ?? "", StringComparison.Ordinal);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        // Kept for people to look at (artifacts/ is gitignored): pdftoppm -png -r 60 artifacts/reports/job-report.pdf
        Directory.CreateDirectory(Path.Combine(RepoRoot(), "artifacts", "reports"));
        await File.WriteAllBytesAsync(Path.Combine(RepoRoot(), "artifacts", "reports", "job-report.pdf"), bytes);
        var text = await PdfTextAsync(bytes);

        Assert.Contains("Email migration report", text, StringComparison.Ordinal);
        Assert.Contains(fixture.Domain, text, StringComparison.Ordinal);
        Assert.Contains("Ticket " + Ticket, text, StringComparison.Ordinal);
        Assert.Contains("We moved 20 of 20 messages (100.0 %) in 2 mailboxes", text, StringComparison.Ordinal);
        Assert.Contains("Page 1 of ", text, StringComparison.Ordinal);
        Assert.Contains(fixture.Ana, text, StringComparison.Ordinal);
        Assert.Contains("Archive", text, StringComparison.Ordinal);
        Assert.Contains("lead@ligbox.test approved the gate", text, StringComparison.Ordinal);
        Assert.Contains("Mailbox closed by the customer", text, StringComparison.Ordinal);
        // The summary comes first: the mailbox table starts on a later page.
        var pages = text.Split('\f');
        Assert.DoesNotContain("Mailboxes (3)", pages[0], StringComparison.Ordinal);
        Assert.Contains(pages.Skip(1), p => p.Contains("Mailboxes (3)", StringComparison.Ordinal));

        using var viaQuery = await fixture.Callers["token:jobs:read"].GetAsync($"/api/migration/jobs/{fixture.JobId}/report?format=pdf");
        Assert.Equal("application/pdf", viaQuery.Content.Headers.ContentType?.MediaType);
        Assert.Contains("We moved 20 of 20 messages", await PdfTextAsync(await viaQuery.Content.ReadAsByteArrayAsync()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("anonymous", 401)]
    [InlineData("technician", 200)]
    [InlineData("ops_lead", 200)]
    [InlineData("admin", 200)]
    [InlineData("token:jobs:read", 200)]
    [InlineData("token:gate:read", 403)]
    public async Task Report_NeedsJobsRead(string caller, int expected)
    {
        foreach (var path in new[] { "report", "report.pdf" })
        {
            using var response = await fixture.Callers[caller].GetAsync($"/api/migration/jobs/{fixture.JobId}/{path}");
            Assert.True(expected == (int)response.StatusCode, $"{path} as {caller}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task UnknownFormat_And_UnknownJob_AreProblems()
    {
        using var bad = await fixture.Callers["admin"].GetAsync($"/api/migration/jobs/{fixture.JobId}/report?format=docx");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        Assert.Contains("json (the default) or pdf", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var missing = await fixture.Callers["admin"].GetAsync($"/api/migration/jobs/{Guid.NewGuid()}/report.pdf");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>The PDF's text as poppler's pdftotext reads it (pages separated by form feeds).</summary>
    internal static async Task<string> PdfTextAsync(byte[] pdf)
    {
        var file = Path.Combine(Path.GetTempPath(), $"ligbox-report-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(file, pdf);
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pdftotext", ["-layout", "-enc", "UTF-8", file, "-"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            }) ?? throw new InvalidOperationException("pdftotext did not start (apt-get install poppler-utils).");
            var text = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, "pdftotext failed: " + await process.StandardError.ReadToEndAsync());
            return text;
        }
        finally
        {
            File.Delete(file);
        }
    }

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ligbox.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (Ligbox.slnx) was not found above " + AppContext.BaseDirectory);
    }
}
