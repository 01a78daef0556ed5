using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Dovecot;

namespace Ligbox.Console.Tests.Pst;

/// <summary>Upload a real PST with tus (POST + PATCH chunks), start the import, poll the run until done; real readpst and Dovecot.</summary>
public sealed class PstApiTests(PstApiTests.Fixture fixture) : IClassFixture<PstApiTests.Fixture>
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
    public async Task Tus_upload_then_import_via_api_reports_per_folder_counts()
    {
        var api = fixture.Api;
        var (jobId, mailboxId, user) = await PstUploads.CreateJobWithMailboxAsync(api, fixture.Dovecot, "pst");

        var uploadId = await PstUploads.TusUploadAsync(api, await File.ReadAllBytesAsync(PstUploads.PstPath("Outlook_1.pst")), "Outlook_1.pst");

        using var start = await api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes/{mailboxId}/import", new { uploadId, rootFolder = "Imported PST" });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var location = start.Headers.Location!.ToString();
        JsonElement report = default;
        for (var i = 0; i < 120; i++)
        {
            report = await api.GetFromJsonAsync<JsonElement>(location);
            if (report.GetProperty("status").ToString() is "Succeeded" or "Failed")
            {
                break;
            }

            await Task.Delay(500);
        }

        Assert.Equal("Succeeded", report.GetProperty("status").ToString());
        var folders = report.GetProperty("statistics").GetProperty("folders").EnumerateArray()
            .Where(f => f.GetProperty("appended").GetInt32() > 0)
            .ToDictionary(f => f.GetProperty("destination").GetString()!, f => f.GetProperty("appended").GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["INBOX"] = 8, ["Sent"] = 6 }, folders);
        Assert.Equal(0, report.GetProperty("quarantine").GetArrayLength());
        Assert.Equal(8, await fixture.Dovecot.CountMessagesAsync(user, "INBOX"));
        Assert.Equal(6, await fixture.Dovecot.CountMessagesAsync(user, "Sent"));
    }
}
