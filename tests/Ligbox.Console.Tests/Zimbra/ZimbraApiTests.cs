using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Console.Tests.Pst;
using Ligbox.Core.Accounts;
using Ligbox.Core.Gate;
using Ligbox.Testing.Dovecot;
using Ligbox.Testing.Zimbra;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Zimbra;

/// <summary>
/// A Zimbra TGZ through the API: tus upload, the same import endpoint as PST (202, a TGZ run on the one run
/// pipeline), the report, the contacts download and the gate; files that are not Zimbra exports refused with 400
/// before any run. Real Dovecot; the real sample read in place.
/// </summary>
public sealed class ZimbraApiTests(ZimbraApiTests.Fixture fixture) : IClassFixture<ZimbraApiTests.Fixture>
{
    public sealed class Fixture : LigboxAppFactory
    {
        public DovecotServer Dovecot { get; } = new();

        public HttpClient Api { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await Dovecot.StartAsync();
            await base.InitializeAsync();
            Api = await CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            Dovecot.Dispose();
        }
    }

    [Fact]
    public async Task The_real_sample_uploaded_and_imported_gives_2_messages_in_Sent_contacts_as_vCard_and_a_perfect_gate()
    {
        var api = fixture.Api;
        var (jobId, mailboxId, user) = await TgzOnlyJobAsync(api, "zimbra-sample");
        var uploadId = await PstUploads.TusUploadAsync(api, await File.ReadAllBytesAsync(SamplePath()), "ZimbraSample.tgz");

        using var start = await api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes/{mailboxId}/import", new { uploadId });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var location = start.Headers.Location!.ToString();
        Assert.EndsWith("/tgz", location);
        var report = await WaitAsync(api, location);

        Assert.True(report.GetProperty("status").GetString() == "Succeeded", report.ToString());
        var stats = report.GetProperty("statistics");
        Assert.Equal("ZimbraTgz", stats.GetProperty("sourceKind").GetString());
        var sent = Assert.Single(stats.GetProperty("folders").EnumerateArray());
        Assert.Equal("Sent", sent.GetProperty("destination").GetString());
        Assert.Equal(2, sent.GetProperty("appended").GetInt32());
        Assert.Equal(2, stats.GetProperty("otherItems").GetProperty("contact").GetInt32());
        Assert.True(report.GetProperty("otherItemsAvailable").GetBoolean());
        Assert.Equal(2, await fixture.Dovecot.CountMessagesAsync(user, "Sent"));

        var runId = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
        using var items = await api.GetAsync($"/api/migration/runs/{runId}/tgz/items");
        Assert.Equal(HttpStatusCode.OK, items.StatusCode);
        Assert.Equal("application/zip", items.Content.Headers.ContentType!.MediaType);
        using var zip = new ZipArchive(await items.Content.ReadAsStreamAsync());
        using var vcf = new StreamReader(zip.GetEntry("contacts.vcf")!.Open());
        var cards = await vcf.ReadToEndAsync();
        Assert.Equal(2, cards.Split("BEGIN:VCARD").Length - 1);
        Assert.Contains("admin@zimbratest.com", cards);

        // The gate counts what the TGZ put there (a job without source server: imports only).
        var gate = await fixture.Services.GetRequiredService<GateService>().GetAsync(jobId);
        var m = Assert.Single(gate.Result.Mailboxes);
        Assert.Equal(2, m.SourceMessages);
        Assert.Equal(2, m.DestinationMessages);
        Assert.Equal(GateGrade.Perfect, gate.Result.Grade);
    }

    [Fact]
    public async Task A_generated_export_with_a_truncated_message_shows_it_quarantined_and_the_gate_sees_it_missing()
    {
        var api = fixture.Api;
        var (jobId, mailboxId, user) = await TgzOnlyJobAsync(api, "zimbra-gen");
        using var tgz = new MemoryStream();
        ZimbraTgzGenerator.Write(tgz, new ZimbraTgzSpec { Folders = [new("Inbox", 600), new("Projetos", 40)], TruncatedMessage = 620, WithoutMessageId = 3 });
        var uploadId = await PstUploads.TusUploadAsync(api, tgz.ToArray(), "ana.tgz");

        using var start = await api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes/{mailboxId}/import", new { uploadId, rootFolder = "" });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var report = await WaitAsync(api, start.Headers.Location!.ToString());

        Assert.True(report.GetProperty("status").GetString() == "Succeeded", report.ToString());
        Assert.Equal(600, await fixture.Dovecot.CountMessagesAsync(user, "INBOX"));
        Assert.Equal(39, await fixture.Dovecot.CountMessagesAsync(user, "Projetos"));
        var quarantined = Assert.Single(report.GetProperty("quarantine").EnumerateArray());
        Assert.StartsWith("truncated:", quarantined.GetProperty("reason").GetString());
        var runId = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
        using var eml = await api.GetAsync($"/api/migration/runs/{runId}/tgz/quarantine/{quarantined.GetProperty("number").GetInt32()}");
        Assert.Equal(HttpStatusCode.OK, eml.StatusCode);

        var gate = await fixture.Services.GetRequiredService<GateService>().GetAsync(jobId);
        var m = Assert.Single(gate.Result.Mailboxes);
        Assert.Equal(640, m.SourceMessages);
        Assert.Equal(639, m.DestinationMessages);
        Assert.NotEqual(GateGrade.Perfect, gate.Result.Grade);
    }

    [Theory]
    [InlineData("corrupt", "gzip data is damaged")]
    [InlineData("plain-tar", "not a Zimbra export")]
    [InlineData("not-gzip", "not a gzip file")]
    public async Task A_file_that_is_not_a_Zimbra_export_is_refused_with_400_and_no_run(string kind, string expected)
    {
        var api = fixture.Api;
        var (jobId, mailboxId, user) = await TgzOnlyJobAsync(api, "zimbra-bad");
        byte[] bytes;
        switch (kind)
        {
            case "corrupt":
                bytes = new byte[4096];
                new Random(7).NextBytes(bytes);
                (bytes[0], bytes[1], bytes[2], bytes[3]) = (0x1f, 0x8b, 8, 0);
                break;
            case "plain-tar":
                var path = Path.Combine(Path.GetTempPath(), $"ligbox-plain-{Guid.NewGuid():N}.tgz");
                ZimbraTgzGenerator.WritePlainTgz(path);
                bytes = await File.ReadAllBytesAsync(path);
                File.Delete(path);
                break;
            default:
                bytes = "From: a@b\r\n\r\nhello\r\n"u8.ToArray();
                break;
        }

        var uploadId = await PstUploads.TusUploadAsync(api, bytes, "export.tgz");
        using var start = await api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes/{mailboxId}/import", new { uploadId });

        Assert.Equal(HttpStatusCode.BadRequest, start.StatusCode);
        Assert.Equal("application/problem+json", start.Content.Headers.ContentType!.MediaType);
        var problem = await start.Content.ReadAsStringAsync();
        Assert.Contains(expected, problem);
        Assert.Contains("Nothing was imported", problem);
        var runs = await api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}/runs");
        Assert.DoesNotContain("Tgz", runs.ToString());
        using var client = await fixture.Dovecot.ConnectAsync(user, "Dest-Pa55!");
        Assert.Single(await client.GetFoldersAsync(client.PersonalNamespaces[0])); // INBOX only: nothing created
    }

    internal static string SamplePath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ligbox.slnx")))
            {
                var path = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "testdata", "zimbra", "ZimbraSample.tgz"));
                return File.Exists(path) ? path : throw new FileNotFoundException($"Shared test data is missing: '{path}'.", path);
            }
        }

        throw new InvalidOperationException("Ligbox.slnx not found.");
    }

    /// <summary>A job without source server (imports only) and one mailbox on <see cref="Fixture.Dovecot"/>.</summary>
    private async Task<(Guid JobId, Guid MailboxId, string User)> TgzOnlyJobAsync(HttpClient api, string prefix)
    {
        var domain = $"{prefix}-{Guid.NewGuid():N}"[..20] + ".example.com";
        var user = "ana@" + domain;
        fixture.Dovecot.AddUser(user, "Dest-Pa55!");
        using var created = await api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain,
            destination = new { host = fixture.Dovecot.Host, port = fixture.Dovecot.Port, security = "None" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var jobId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using var added = await api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes",
            new { sourceUser = user, sourcePassword = "unused", destUser = user, destPassword = "Dest-Pa55!" });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        return (jobId, (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid(), user);
    }

    private static async Task<JsonElement> WaitAsync(HttpClient api, string location)
    {
        JsonElement report = default;
        for (var i = 0; i < 240; i++)
        {
            report = await api.GetFromJsonAsync<JsonElement>(location);
            if (report.GetProperty("status").GetString() is "Succeeded" or "Failed" or "Cancelled")
            {
                break;
            }

            await Task.Delay(250);
        }

        return report;
    }
}
