using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ligbox.Testing.Dovecot;

namespace Ligbox.Console.Tests.Pst;

/// <summary>Shared steps of the PST tests: the real sample files (read in place), a job with one mailbox, a tus upload.</summary>
internal static class PstUploads
{
    /// <summary>A file of ../shared/testdata/pst; fails with the missing path when the shared data is not there.</summary>
    public static string PstPath(string name)
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

    /// <summary>Creates a job whose destination is <paramref name="dovecot"/> and one mailbox on it; returns (jobId, mailboxId, destination login).</summary>
    public static async Task<(string JobId, string MailboxId, string User)> CreateJobWithMailboxAsync(HttpClient api, DovecotServer dovecot, string prefix)
    {
        var domain = $"{prefix}-{Guid.NewGuid():N}"[..16] + ".example.com";
        var user = "ana@" + domain;
        dovecot.AddUser(user, "Dest-Pa55!");
        using var jobResponse = await api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain,
            source = new { host = "imap.old.example.com", port = 993, security = "Ssl" },
            destination = new { host = dovecot.Host, port = dovecot.Port, security = "None" },
        });
        Assert.Equal(HttpStatusCode.Created, jobResponse.StatusCode);
        var jobId = (await jobResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var mailboxResponse = await api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes",
            new { sourceUser = "ana@old.example.com", sourcePassword = "Src-Pa55!", destUser = user, destPassword = "Dest-Pa55!" });
        Assert.Equal(HttpStatusCode.Created, mailboxResponse.StatusCode);
        var mailboxId = (await mailboxResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        return (jobId, mailboxId, user);
    }

    /// <summary>Uploads <paramref name="bytes"/> with tus (POST, then 256 KB PATCHes) as <paramref name="name"/>; returns the upload id.</summary>
    public static async Task<string> TusUploadAsync(HttpClient api, byte[] bytes, string name)
    {
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/migration/uploads");
        create.Headers.Add("Tus-Resumable", "1.0.0");
        create.Headers.Add("Upload-Length", bytes.Length.ToString(CultureInfo.InvariantCulture));
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
            patch.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
            using var patched = await api.SendAsync(patch);
            Assert.Equal(HttpStatusCode.NoContent, patched.StatusCode);
        }

        return location[(location.LastIndexOf('/') + 1)..];
    }
}
