using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Testing.Zimbra;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Zimbra;

/// <summary>
/// Export over SSH through the API and the one run pipeline: a real OpenSSH server on 127.0.0.1 started by the
/// test (stand-in zmmailbox streaming a generated TGZ), the host key probed, confirmed and pinned, the key stored
/// encrypted and never shown; a wrong key and a missing zmmailbox fail the run in plain words. Real Dovecot.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ZimbraSshApiTests(ZimbraSshApiTests.Fixture fixture) : IClassFixture<ZimbraSshApiTests.Fixture>
{
    public sealed class Fixture() : ZimbraSshFixture(new ZimbraTgzSpec { Folders = [new("Inbox", 550), new("Sent", 20)], TruncatedMessage = 0 });

    [Fact]
    public async Task The_host_key_is_probed_and_pinned_the_key_kept_secret_and_the_export_streamed_into_the_mailbox()
    {
        var api = fixture.Api;
        var (jobId, mailboxId, user) = await JobAsync("zssh");

        using var probe = await api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/zimbra-ssh/probe", new { host = fixture.Sshd.Host, port = fixture.Sshd.Port });
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        var fingerprint = (await probe.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hostKeySha256").GetString();
        Assert.Equal(fixture.Sshd.HostKeySha256, fingerprint);

        using var unconfirmed = await api.PutAsJsonAsync($"/api/migration/jobs/{jobId}/zimbra-ssh",
            new { host = fixture.Sshd.Host, port = fixture.Sshd.Port, user = fixture.Sshd.User, privateKey = fixture.Sshd.ClientKey, hostKeySha256 = "" });
        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        Assert.Contains("Confirm the server's host key", await unconfirmed.Content.ReadAsStringAsync());

        await SaveAsync(jobId, fixture.Sshd.ClientKey, fixture.Sshd.Zmmailbox);
        var shown = await api.GetStringAsync($"/api/migration/jobs/{jobId}/zimbra-ssh");
        Assert.Contains("\"hasPrivateKey\":true", shown);
        Assert.Contains(fixture.Sshd.HostKeySha256, shown);
        Assert.DoesNotContain("PRIVATE KEY", shown);
        var stored = Directory.GetFiles(Path.Combine(fixture.DataDir, "zimbra-ssh")).Single();
        Assert.DoesNotContain("PRIVATE KEY", await File.ReadAllTextAsync(stored));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(stored));

        using var start = await api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes/{mailboxId}/zimbra-export",
            new { account = "ana@zimbra.example.com", query = "after:11/30/2026", rootFolder = "" });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var report = await WaitAsync(start.Headers.Location!.ToString());

        Assert.True(report.GetProperty("status").GetString() == "Succeeded", report.ToString());
        Assert.Equal(550, await fixture.Dovecot.CountMessagesAsync(user, "INBOX"));
        Assert.Equal(20, await fixture.Dovecot.CountMessagesAsync(user, "Sent"));
        Assert.Equal(new FileInfo(fixture.Sshd.ExportFile).Length, report.GetProperty("statistics").GetProperty("bytesRead").GetInt64());
        Assert.Contains("after%3A11%2F30%2F2026", await File.ReadAllTextAsync(fixture.Sshd.ArgumentsFile));
        var runId = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
        var log = await api.GetStringAsync($"/api/migration/runs/{runId}/log");
        Assert.Contains("over SSH", log);
        Assert.DoesNotContain("PRIVATE KEY", log);
    }

    [Fact]
    public async Task A_zmmailbox_gone_after_the_settings_were_saved_fails_the_run_in_plain_words()
    {
        // A wrong key, user or zmmailbox path is refused when saving (ZimbraExportAllTests); the server can still change after.
        var (jobId, mailboxId, _) = await JobAsync("zsshbad");
        await SaveAsync(jobId, fixture.Sshd.ClientKey, fixture.Sshd.Zmmailbox);
        File.Move(fixture.Sshd.Zmmailbox, fixture.Sshd.Zmmailbox + ".away");
        try
        {
            var missing = await RunAsync(jobId, mailboxId);
            Assert.Equal("Failed", missing.GetProperty("status").GetString());
            Assert.Contains("zmmailbox was not found on the server", missing.GetProperty("message").GetString());
        }
        finally
        {
            File.Move(fixture.Sshd.Zmmailbox + ".away", fixture.Sshd.Zmmailbox);
        }
    }

    [Fact]
    public async Task Another_login_can_replace_the_stored_key_and_the_server_can_be_removed_audited()
    {
        var api = fixture.Api;
        var (jobId, mailboxId, _) = await JobAsync("zsshdel");
        await SaveAsync(jobId, fixture.Sshd.ClientKey, fixture.Sshd.Zmmailbox);

        // Without replaceSecrets an omitted key is kept (the password given becomes its passphrase; this key has none).
        using var kept = await api.PutAsJsonAsync($"/api/migration/jobs/{jobId}/zimbra-ssh",
            new { host = fixture.Sshd.Host, port = fixture.Sshd.Port, user = fixture.Sshd.User, password = "Zimbra-Pa55!", hostKeySha256 = fixture.Sshd.HostKeySha256, zmmailbox = fixture.Sshd.Zmmailbox });
        var keptView = await kept.Content.ReadAsStringAsync();
        Assert.True(kept.StatusCode == HttpStatusCode.OK, keptView);
        Assert.Contains("\"hasPrivateKey\":true", keptView);
        // With it, a password login replaces the key, but only once the server takes it: this one refuses passwords,
        // so nothing changes and the answer says why.
        using var replaced = await api.PutAsJsonAsync($"/api/migration/jobs/{jobId}/zimbra-ssh",
            new { host = fixture.Sshd.Host, port = fixture.Sshd.Port, user = fixture.Sshd.User, password = "Zimbra-Pa55!", hostKeySha256 = fixture.Sshd.HostKeySha256, zmmailbox = fixture.Sshd.Zmmailbox, replaceSecrets = true });
        Assert.Equal(HttpStatusCode.BadRequest, replaced.StatusCode);
        var refused = await replaced.Content.ReadAsStringAsync();
        Assert.Contains("with the password given", refused);
        Assert.DoesNotContain("Pa55", refused);
        Assert.Contains("\"hasPrivateKey\":true", await api.GetStringAsync($"/api/migration/jobs/{jobId}/zimbra-ssh"));

        using var removed = await api.DeleteAsync($"/api/migration/jobs/{jobId}/zimbra-ssh");
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.False(File.Exists(Path.Combine(fixture.DataDir, "zimbra-ssh", $"{jobId}.json")));
        using var gone = await api.GetAsync($"/api/migration/jobs/{jobId}/zimbra-ssh");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using var again = await api.DeleteAsync($"/api/migration/jobs/{jobId}/zimbra-ssh");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        using var start = await api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes/{mailboxId}/zimbra-export", new { });
        Assert.Equal(HttpStatusCode.BadRequest, start.StatusCode);
        Assert.Contains("This job has no Zimbra server over SSH", await start.Content.ReadAsStringAsync());

        await using var scope = fixture.Services.CreateAsyncScope();
        var audit = await scope.ServiceProvider.GetRequiredService<Ligbox.Core.Audit.AuditLog>().ListAsync(jobId);
        var entry = Assert.Single(audit, a => a.Action == "zimbra.ssh.removed");
        Assert.Contains(fixture.Sshd.Host, entry.Details);
        Assert.DoesNotContain("Pa55", string.Join(" ", audit.Select(a => a.Details)));
    }

    private async Task SaveAsync(Guid jobId, string key, string zmmailbox)
    {
        using var saved = await fixture.Api.PutAsJsonAsync($"/api/migration/jobs/{jobId}/zimbra-ssh",
            new { host = fixture.Sshd.Host, port = fixture.Sshd.Port, user = fixture.Sshd.User, privateKey = key, hostKeySha256 = fixture.Sshd.HostKeySha256, zmmailbox });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
    }

    private async Task<JsonElement> RunAsync(Guid jobId, Guid mailboxId)
    {
        using var start = await fixture.Api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes/{mailboxId}/zimbra-export", new { account = "ana@zimbra.example.com" });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        return await WaitAsync(start.Headers.Location!.ToString());
    }

    private async Task<(Guid JobId, Guid MailboxId, string User)> JobAsync(string prefix)
    {
        var api = fixture.Api;
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
        return (jobId, (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid(), user);
    }

    private async Task<JsonElement> WaitAsync(string location)
    {
        JsonElement report = default;
        for (var i = 0; i < 240; i++)
        {
            report = await fixture.Api.GetFromJsonAsync<JsonElement>(location);
            if (report.GetProperty("status").GetString() is "Succeeded" or "Failed" or "Cancelled")
            {
                break;
            }

            await Task.Delay(250);
        }

        return report;
    }
}
