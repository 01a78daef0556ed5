using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Dovecot;

namespace Ligbox.Console.Tests.Pst;

/// <summary>
/// What <c>POST /jobs/{id}/mailboxes/{mailboxId}/import</c> checks before it creates a run: who made the upload
/// (only they or an admin may import it) and whether the file is what its extension says. Real uploads, readpst, Dovecot.
/// </summary>
public sealed class PstImportChecksTests(PstImportChecksTests.Fixture fixture) : IClassFixture<PstImportChecksTests.Fixture>
{
    public sealed class Fixture : LigboxAppFactory
    {
        public DovecotServer Dovecot { get; } = new();

        public HttpClient Api { get; private set; } = null!;

        public Dictionary<string, HttpClient> People { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await Dovecot.StartAsync();
            await base.InitializeAsync();
            Api = await CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
            People = await CreatePeopleClientsAsync();
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            Dovecot.Dispose();
        }
    }

    private static readonly Lazy<byte[]> Outlook1 = new(() => File.ReadAllBytes(PstUploads.PstPath("Outlook_1.pst")));

    [Fact]
    public async Task Import_OfAnotherUsersUpload_IsForbidden_UnlessAdmin()
    {
        var (jobId, mailboxId, user) = await PstUploads.CreateJobWithMailboxAsync(fixture.Api, fixture.Dovecot, "owner");
        var technician = fixture.People["technician"];
        var uploadId = await PstUploads.TusUploadAsync(technician, Outlook1.Value, "Outlook_1.pst");
        var url = $"/api/migration/jobs/{jobId}/mailboxes/{mailboxId}/import";

        foreach (var (who, client) in new[] { ("ops_lead", fixture.People["ops_lead"]), ("token", fixture.Api) })
        {
            using var refused = await client.PostAsJsonAsync(url, new { uploadId });
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{who}: {(int)refused.StatusCode}");
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(403, problem.GetProperty("status").GetInt32());
            Assert.Contains("another user", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Empty(await RunsAsync(jobId));

        using var byAdmin = await fixture.People["admin"].PostAsJsonAsync(url, new { uploadId });
        Assert.Equal(HttpStatusCode.Accepted, byAdmin.StatusCode);
        var ownUpload = await PstUploads.TusUploadAsync(technician, Outlook1.Value, "Outlook_1.pst");
        using var byOwner = await technician.PostAsJsonAsync(url, new { uploadId = ownUpload });
        Assert.Equal(HttpStatusCode.Accepted, byOwner.StatusCode);

        // Both runs really import: the first appends, the second finds everything already there.
        Assert.Equal("Succeeded", await WaitForRunAsync(byAdmin.Headers.Location!.ToString()));
        Assert.Equal("Succeeded", await WaitForRunAsync(byOwner.Headers.Location!.ToString()));
        Assert.Equal(8, await fixture.Dovecot.CountMessagesAsync(user, "INBOX"));
    }

    [Fact]
    public async Task Import_OfUnknownUpload_IsNotFoundProblem()
    {
        var (jobId, mailboxId, _) = await PstUploads.CreateJobWithMailboxAsync(fixture.Api, fixture.Dovecot, "unknown");
        using var response = await fixture.Api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes/{mailboxId}/import",
            new { uploadId = "0123456789abcdef0123456789abcdef" });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    public static TheoryData<string, string, string> Mismatches => new()
    {
        { "fake.pst", "This is a text file renamed to .pst.\r\n" + new string('x', 2048), "does not start with the PST signature '!BDN'" },
        { "tiny.ost", "!BDN", "too short to be an Outlook PST/OST file" },
        { "export.mbox", "Subject: no From line\r\n\r\nbody\r\n", "an mbox starts with a 'From ' line" },
        { "mail.zip", "PK\u0003\u0004", "only Outlook .pst/.ost files and .mbox files" },
    };

    [Theory]
    [MemberData(nameof(Mismatches))]
    public async Task Import_OfFileNotMatchingItsExtension_IsRefused_AndNothingIsAppended(string name, string content, string expected)
    {
        var (jobId, mailboxId, user) = await PstUploads.CreateJobWithMailboxAsync(fixture.Api, fixture.Dovecot, "check");
        var uploadId = await PstUploads.TusUploadAsync(fixture.Api, Encoding.UTF8.GetBytes(content), name);

        using var response = await fixture.Api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes/{mailboxId}/import", new { uploadId });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var error = problem.GetProperty("errors").GetProperty("uploadId")[0].GetString();
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Contains(name, error, StringComparison.Ordinal);
        Assert.Empty(await RunsAsync(jobId));
        Assert.Equal(0, await fixture.Dovecot.CountMessagesAsync(user, "INBOX"));
    }

    [Fact]
    public async Task Import_OfRealPstWithMboxExtension_IsRefused_AndAnMboxIsAccepted()
    {
        var (jobId, mailboxId, user) = await PstUploads.CreateJobWithMailboxAsync(fixture.Api, fixture.Dovecot, "mbox");
        var url = $"/api/migration/jobs/{jobId}/mailboxes/{mailboxId}/import";
        var renamed = await PstUploads.TusUploadAsync(fixture.Api, Outlook1.Value, "Outlook_1.mbox");
        using var refused = await fixture.Api.PostAsJsonAsync(url, new { uploadId = renamed });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

        const string mbox = "From ana@example.com Mon Nov 30 10:00:00 2026\nFrom: ana@example.com\nTo: bob@example.com\nSubject: hello\nMessage-ID: <m1@example.com>\nDate: Mon, 30 Nov 2026 10:00:00 +0000\n\nHi Bob.\n";
        var uploadId = await PstUploads.TusUploadAsync(fixture.Api, Encoding.ASCII.GetBytes(mbox), "archive.mbox");
        using var accepted = await fixture.Api.PostAsJsonAsync(url, new { uploadId, rootFolder = "" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var report = await WaitForReportAsync(accepted.Headers.Location!.ToString());
        Assert.Equal("Succeeded", report.GetProperty("status").GetString());
        var folder = Assert.Single(report.GetProperty("statistics").GetProperty("folders").EnumerateArray());
        Assert.Equal(1, folder.GetProperty("appended").GetInt32());
        Assert.Equal(1, await fixture.Dovecot.CountMessagesAsync(user, folder.GetProperty("destination").GetString()!));
    }

    private async Task<List<JsonElement>> RunsAsync(string jobId) =>
        (await fixture.Api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}/runs")).EnumerateArray().ToList();

    private async Task<string> WaitForRunAsync(string location) => (await WaitForReportAsync(location)).GetProperty("status").GetString()!;

    private async Task<JsonElement> WaitForReportAsync(string location)
    {
        var report = default(JsonElement);
        for (var i = 0; i < 240; i++)
        {
            report = await fixture.Api.GetFromJsonAsync<JsonElement>(location);
            if (report.GetProperty("status").GetString() is not ("Queued" or "Running"))
            {
                break;
            }

            await Task.Delay(500);
        }

        return report;
    }
}
