using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
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
        var domain = $"pst-{Guid.NewGuid():N}"[..16] + ".example.com";
        var user = "ana@" + domain;
        fixture.Dovecot.AddUser(user, "Dest-Pa55!");
        using var jobResponse = await api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain,
            source = new { host = "imap.old.example.com", port = 993, security = "Ssl" },
            destination = new { host = fixture.Dovecot.Host, port = fixture.Dovecot.Port, security = "None" },
        });
        Assert.Equal(HttpStatusCode.Created, jobResponse.StatusCode);
        var jobId = (await jobResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        using var mailboxResponse = await api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes",
            new { sourceUser = "ana@old.example.com", sourcePassword = "Src-Pa55!", destUser = user, destPassword = "Dest-Pa55!" });
        Assert.Equal(HttpStatusCode.Created, mailboxResponse.StatusCode);
        var mailboxId = (await mailboxResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var uploadId = await TusUploadAsync(api, PstPath("Outlook_1.pst"), "Outlook_1.pst");

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

    private static async Task<string> TusUploadAsync(HttpClient api, string path, string name)
    {
        var bytes = await File.ReadAllBytesAsync(path);
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/migration/uploads");
        create.Headers.Add("Tus-Resumable", "1.0.0");
        create.Headers.Add("Upload-Length", bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        create.Headers.Add("Upload-Metadata", "filename " + Convert.ToBase64String(Encoding.UTF8.GetBytes(name)));
        using var created = await api.SendAsync(create);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var location = created.Headers.Location!.ToString();
        const int chunk = 256 * 1024;
        for (var offset = 0; offset < bytes.Length; offset += chunk)
        {
            using var patch = new HttpRequestMessage(HttpMethod.Patch, location)
            {
                Content = new ByteArrayContent(bytes, offset, Math.Min(chunk, bytes.Length - offset)),
            };
            patch.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
            patch.Headers.Add("Tus-Resumable", "1.0.0");
            patch.Headers.Add("Upload-Offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var patched = await api.SendAsync(patch);
            Assert.Equal(HttpStatusCode.NoContent, patched.StatusCode);
        }

        return location[(location.LastIndexOf('/') + 1)..];
    }

    private static string PstPath(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ligbox.slnx")))
            {
                var path = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "testdata", "pst", name));
                return File.Exists(path) ? path : throw new FileNotFoundException($"Shared test data is missing: '{path}'.", path);
            }
        }

        throw new InvalidOperationException("Ligbox.slnx not found.");
    }
}
