using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Dovecot;
using Ligbox.Testing.Zimbra;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Browser;

/// <summary>
/// "Export all" on the job page in a real Chromium: a real OpenSSH server on 127.0.0.1 (the stand-in zmmailbox
/// streams a generated TGZ for ana@… accounts and fails like Zimbra for others) and real Dovecot; the batch's
/// progress fills in as the runs end. Screenshot looked at: zimbra-export-all-01-done.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ZimbraExportAllBrowserTests(BrowserSession session) : IClassFixture<BrowserSession>, IAsyncLifetime
{
    private readonly DovecotServer _dovecot = new();
    private readonly OpenSshServer _sshd = new();

    public async Task InitializeAsync()
    {
        await _dovecot.StartAsync();
        await _sshd.StartAsync();
        ZimbraTgzGenerator.WriteFile(_sshd.ExportFile, new ZimbraTgzSpec { Folders = [new("Inbox", 20), new("Sent", 4)], TruncatedMessage = 0 });
    }

    public Task DisposeAsync()
    {
        _sshd.Dispose();
        _dovecot.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Export_all_runs_one_export_per_mailbox_and_shows_the_progress()
    {
        using var api = await session.App.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        var domain = $"zallb-{Guid.NewGuid():N}"[..16] + ".example.com";
        using var created = await api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain,
            destination = new { host = _dovecot.Host, port = _dovecot.Port, security = "None" },
        });
        created.EnsureSuccessStatusCode();
        var jobId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        foreach (var (source, n) in new[] { $"ana@one.{domain}", $"ana@two.{domain}", $"bob@three.{domain}" }.Select((s, n) => (s, n)))
        {
            _dovecot.AddUser($"user{n}@{domain}", "Dest-Pa55!");
            using var added = await api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes",
                new { sourceUser = source, sourcePassword = "unused", destUser = $"user{n}@{domain}", destPassword = "Dest-Pa55!" });
            added.EnsureSuccessStatusCode();
        }

        using var saved = await api.PutAsJsonAsync($"/api/migration/jobs/{jobId}/zimbra-ssh",
            new { host = _sshd.Host, port = _sshd.Port, user = _sshd.User, privateKey = _sshd.ClientKey, hostKeySha256 = _sshd.HostKeySha256, zmmailbox = _sshd.Zmmailbox });
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());

        var page = await session.SignInAsync(LigboxAppFactory.AdminEmail, LigboxAppFactory.AdminPassword, $"/migration/jobs/{jobId}");
        var panel = page.GetByTestId("zimbra-export-all");
        await panel.GetByTestId("zimbra-export-all-start").ClickAsync();

        await Expect(panel.GetByTestId("zimbra-export-all-progress")).ToContainTextAsync("3 of 3 exports finished (1 failed).", new() { Timeout = 120_000 });
        await Expect(panel.GetByTestId("zimbra-export-all-run")).ToHaveCountAsync(3);
        await Expect(panel.GetByTestId("zimbra-export-all-run").Filter(new() { HasText = "bob@three" })).ToContainTextAsync("no such account");
        await panel.ScrollIntoViewIfNeededAsync();
        await panel.ScreenshotAsync(new() { Path = Path.Combine(BrowserSession.ScreenshotDir, "zimbra-export-all-01-done.png") });
        Assert.Equal(20, await _dovecot.CountMessagesAsync($"user0@{domain}", "INBOX"));
        Assert.Equal(4, await _dovecot.CountMessagesAsync($"user1@{domain}", "Sent"));

        // Again with the default choice: only the mailbox without an import that succeeded goes.
        await panel.GetByTestId("zimbra-export-all-start").ClickAsync();
        await Expect(panel.GetByTestId("zimbra-export-all-skipped")).ToHaveCountAsync(2);
        await Expect(panel.GetByTestId("zimbra-export-all-progress")).ToContainTextAsync("1 of 1 exports finished (1 failed).", new() { Timeout = 120_000 });
        await panel.ScreenshotAsync(new() { Path = Path.Combine(BrowserSession.ScreenshotDir, "zimbra-export-all-02-only-new.png") });
    }
}
