using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Dovecot;

namespace Ligbox.Console.Tests.Pst;

/// <summary>The contacts and calendar entries of a real PST (real readpst, real Dovecot): counted on the run and downloadable as one zip.</summary>
public sealed class PstOtherItemsApiTests(PstOtherItemsApiTests.Fixture fixture) : IClassFixture<PstOtherItemsApiTests.Fixture>
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
    public async Task The_contact_and_calendar_entry_of_Outlook_1_are_counted_and_downloadable()
    {
        var api = fixture.Api;
        var (jobId, mailboxId, _) = await PstUploads.CreateJobWithMailboxAsync(api, fixture.Dovecot, "pstitems");
        var uploadId = await PstUploads.TusUploadAsync(api, await File.ReadAllBytesAsync(PstUploads.PstPath("Outlook_1.pst")), "Outlook_1.pst");

        using var start = await api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes/{mailboxId}/import", new { uploadId });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var location = start.Headers.Location!.ToString();
        JsonElement report = default;
        for (var i = 0; i < 240; i++)
        {
            report = await api.GetFromJsonAsync<JsonElement>(location);
            if (report.GetProperty("status").GetString() is "Succeeded" or "Failed")
            {
                break;
            }

            await Task.Delay(250);
        }

        Assert.True(report.GetProperty("status").GetString() == "Succeeded", report.ToString());
        var others = report.GetProperty("statistics").GetProperty("otherItems");
        Assert.Equal(1, others.GetProperty("contact").GetInt32());
        Assert.Equal(1, others.GetProperty("appointment").GetInt32());

        var runId = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
        using var items = await api.GetAsync($"/api/migration/runs/{runId}/pst/items");
        Assert.Equal(HttpStatusCode.OK, items.StatusCode);
        using var zip = new ZipArchive(await items.Content.ReadAsStreamAsync());
        Assert.Equal(["calendar.ics", "contacts.vcf"], zip.Entries.Select(e => e.FullName).Order());
    }
}
