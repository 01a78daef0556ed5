using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bunit;
using Ligbox.Console.Components.Pages.Jobs.Components;
using Ligbox.Console.Tests.Components;
using Ligbox.Testing.Zimbra;

namespace Ligbox.Console.Tests.Zimbra;

/// <summary>
/// "Export all" over SSH and the login check before the SSH settings are saved, against a real OpenSSH server on
/// 127.0.0.1 (the stand-in zmmailbox streams a generated TGZ for accounts ana@…, and fails like Zimbra for others)
/// and a real Dovecot: one run per mailbox on the run pipeline, the ones already imported left out, progress shown.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ZimbraExportAllTests(ZimbraExportAllTests.Fixture fixture) : IClassFixture<ZimbraExportAllTests.Fixture>
{
    public sealed class Fixture() : ZimbraSshFixture(new ZimbraTgzSpec { Folders = [new("Inbox", 25), new("Sent", 5)], TruncatedMessage = 0 });

    private HttpClient Api => fixture.Api;

    [Fact]
    public async Task A_wrong_key_a_wrong_user_and_a_missing_zmmailbox_are_refused_before_saving_in_plain_words()
    {
        var (jobId, users) = await JobAsync("zchk", ["ana@one"]);

        var wrongKey = await PutAsync(jobId, fixture.Sshd.WrongKey, fixture.Sshd.Zmmailbox);
        Assert.Equal(HttpStatusCode.BadRequest, wrongKey.Status);
        Assert.Contains($"refused the login of '{fixture.Sshd.User}' with the private key given", Error(wrongKey.Body, "privateKey"));
        Assert.DoesNotContain("PRIVATE KEY", wrongKey.Body);

        var wrongUser = await PutAsync(jobId, fixture.Sshd.ClientKey, fixture.Sshd.Zmmailbox, user: "nobody-zimbra");
        Assert.Equal(HttpStatusCode.BadRequest, wrongUser.Status);
        Assert.Contains("refused the login of 'nobody-zimbra'", Error(wrongUser.Body, "privateKey"));

        var missing = await PutAsync(jobId, fixture.Sshd.ClientKey, "/opt/zimbra/bin/zmmailbox-not-here");
        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.Contains("zmmailbox was not found there at /opt/zimbra/bin/zmmailbox-not-here", Error(missing.Body, "zmmailbox"));

        using var none = await Api.GetAsync($"/api/migration/jobs/{jobId}/zimbra-ssh");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);

        var good = await PutAsync(jobId, fixture.Sshd.ClientKey, fixture.Sshd.Zmmailbox);
        Assert.True(good.Status == HttpStatusCode.OK, good.Body);
        Assert.False(File.Exists(fixture.Sshd.ArgumentsFile) && (await File.ReadAllTextAsync(fixture.Sshd.ArgumentsFile)).Contains(users[0].Source, StringComparison.Ordinal),
            "the login check exported nothing");
    }

    [Fact]
    public async Task Export_all_queues_one_run_per_mailbox_then_only_the_ones_without_an_import()
    {
        var (jobId, users) = await JobAsync("zall", ["ana@one", "ana@two", "bob@three"]);
        var saved = await PutAsync(jobId, fixture.Sshd.ClientKey, fixture.Sshd.Zmmailbox);
        Assert.True(saved.Status == HttpStatusCode.OK, saved.Body);

        var first = await ExportAllAsync(jobId, onlyWithoutImport: true);
        Assert.Equal(3, first.GetProperty("queued").GetArrayLength());
        Assert.Equal(0, first.GetProperty("skipped").GetArrayLength());
        var outcomes = await WaitAllAsync(first);
        Assert.Equal("Succeeded", outcomes[users[0].Source]);
        Assert.Equal("Succeeded", outcomes[users[1].Source]);
        Assert.Equal("Failed", outcomes[users[2].Source]);
        foreach (var (_, destination) in users.Take(2))
        {
            Assert.Equal(25, await fixture.Dovecot.CountMessagesAsync(destination, "INBOX"));
            Assert.Equal(5, await fixture.Dovecot.CountMessagesAsync(destination, "Sent"));
        }

        // Again, only the mailbox without a Zimbra import that succeeded.
        var second = await ExportAllAsync(jobId, onlyWithoutImport: true);
        var queued = Assert.Single(second.GetProperty("queued").EnumerateArray());
        Assert.Equal(users[2].Source, queued.GetProperty("account").GetString());
        Assert.Equal(2, second.GetProperty("skipped").GetArrayLength());
        Assert.All(second.GetProperty("skipped").EnumerateArray(),
            s => Assert.Equal("This mailbox already has a Zimbra import that succeeded.", s.GetProperty("reason").GetString()));
        var again = await WaitAllAsync(second);
        Assert.Equal("Failed", again[users[2].Source]);

        // Every mailbox: the re-import adds nothing.
        var all = await ExportAllAsync(jobId, onlyWithoutImport: false);
        Assert.Equal(3, all.GetProperty("queued").GetArrayLength());
        await WaitAllAsync(all);
        Assert.Equal(25, await fixture.Dovecot.CountMessagesAsync(users[0].Destination, "INBOX"));
    }

    [Fact]
    public async Task The_job_page_action_exports_every_mailbox_and_shows_the_progress()
    {
        var (jobId, _) = await JobAsync("zallui", ["ana@one", "bob@two"]);
        var saved = await PutAsync(jobId, fixture.Sshd.ClientKey, fixture.Sshd.Zmmailbox);
        Assert.True(saved.Status == HttpStatusCode.OK, saved.Body);
        await using var ctx = new PageTestContext(fixture);
        var host = ctx.Render(builder =>
        {
            builder.OpenComponent<MudBlazor.MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<ZimbraExportAllPanel>(1);
            builder.AddAttribute(2, nameof(ZimbraExportAllPanel.JobId), jobId);
            builder.CloseComponent();
        });
        var cut = host.FindComponent<ZimbraExportAllPanel>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=zimbra-export-all-start]")), TimeSpan.FromSeconds(20));

        await cut.Find("[data-testid=zimbra-export-all-start]").ClickAsync(new());

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("2 of 2 exports finished (1 failed).", cut.Find("[data-testid=zimbra-export-all-progress]").TextContent);
            var rows = cut.FindAll("[data-testid=zimbra-export-all-run]").Select(r => r.TextContent).ToList();
            Assert.Contains(rows, r => r.Contains("ana@one", StringComparison.Ordinal) && r.Contains("Succeeded", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.Contains("bob@two", StringComparison.Ordinal) && r.Contains("Failed", StringComparison.Ordinal) && r.Contains("no such account", StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(120));
    }

    private static string Error(string problem, string field)
    {
        using var doc = JsonDocument.Parse(problem);
        return string.Join(" ", doc.RootElement.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()));
    }

    private async Task<(HttpStatusCode Status, string Body)> PutAsync(Guid jobId, string key, string zmmailbox, string? user = null)
    {
        using var response = await Api.PutAsJsonAsync($"/api/migration/jobs/{jobId}/zimbra-ssh",
            new { host = fixture.Sshd.Host, port = fixture.Sshd.Port, user = user ?? fixture.Sshd.User, privateKey = key, hostKeySha256 = fixture.Sshd.HostKeySha256, zmmailbox });
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<JsonElement> ExportAllAsync(Guid jobId, bool onlyWithoutImport)
    {
        using var response = await Api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/zimbra-export-all", new { onlyWithoutImport, rootFolder = "" });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Waits for every queued run to end; the status of each by account.</summary>
    private async Task<Dictionary<string, string>> WaitAllAsync(JsonElement batch)
    {
        var result = new Dictionary<string, string>();
        foreach (var queued in batch.GetProperty("queued").EnumerateArray())
        {
            var runId = queued.GetProperty("runId").GetGuid();
            string? status = null;
            for (var i = 0; i < 480 && status is not ("Succeeded" or "Failed" or "Cancelled"); i++)
            {
                await Task.Delay(250);
                status = (await Api.GetFromJsonAsync<JsonElement>($"/api/migration/runs/{runId}/tgz")).GetProperty("status").GetString();
            }

            result[queued.GetProperty("account").GetString()!] = status ?? "";
        }

        return result;
    }

    /// <summary>A job on the real Dovecot with one mailbox per source account (<c>label.domain</c>; ana@… exports, others fail like Zimbra).</summary>
    private async Task<(Guid JobId, List<(string Source, string Destination)> Users)> JobAsync(string prefix, string[] sources)
    {
        var domain = $"{prefix}-{Guid.NewGuid():N}"[..18] + ".example.com";
        using var created = await Api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain,
            destination = new { host = fixture.Dovecot.Host, port = fixture.Dovecot.Port, security = "None" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var jobId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var users = new List<(string, string)>();
        foreach (var (label, n) in sources.Select((s, n) => (s, n)))
        {
            var source = $"{label}.{domain}";
            var destination = $"user{n}@{domain}";
            fixture.Dovecot.AddUser(destination, "Dest-Pa55!");
            using var added = await Api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes",
                new { sourceUser = source, sourcePassword = "unused", destUser = destination, destPassword = "Dest-Pa55!" });
            Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
            users.Add((source, destination));
        }

        return (jobId, users);
    }
}
