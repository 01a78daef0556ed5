using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Console.Tests.Pst;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Dovecot;
using Ligbox.Testing.Zimbra;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Browser;

/// <summary>
/// A technician sets the job's Zimbra server over SSH on the job page in a real Chromium (a real OpenSSH server on
/// 127.0.0.1 with the stand-in zmmailbox streaming a generated TGZ; real Dovecot as the destination): probe, confirm
/// the host key, save; then "Export from Zimbra" on a mailbox runs to the end and its per-folder counts appear.
/// Screenshots at 1366 and 390 px.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ZimbraSshBrowserTests(BrowserSession session) : IClassFixture<BrowserSession>, IAsyncLifetime
{
    private readonly DovecotServer _dovecot = new();
    private readonly OpenSshServer _sshd = new();

    public async Task InitializeAsync()
    {
        await _dovecot.StartAsync();
        await _sshd.StartAsync();
        ZimbraTgzGenerator.WriteFile(_sshd.ExportFile, new ZimbraTgzSpec { Folders = [new("Inbox", 30), new("Sent", 12)], TruncatedMessage = 0 });
    }

    public Task DisposeAsync()
    {
        _sshd.Dispose();
        _dovecot.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_server_is_configured_and_its_host_key_confirmed_on_the_page_then_a_mailbox_is_exported_over_ssh()
    {
        using var api = await session.App.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        var (jobId, _, user) = await PstUploads.CreateJobWithMailboxAsync(api, _dovecot, "zsshui");
        await session.App.CreateUserAsync("tech.zimbra@ligbox.test", Roles.Technician);
        var page = await session.SignInAsync("tech.zimbra@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");
        await BrowserSession.WaitInteractiveAsync(page);
        var panel = page.GetByTestId("zimbra-ssh");

        // Before a server is set, the export of a mailbox is disabled and says why.
        await page.GetByTestId("mailbox-table").GetByTestId("mailbox-expand").ClickAsync();
        await Expect(page.GetByTestId("zimbra-export-start")).ToBeDisabledAsync();
        await Expect(page.GetByTestId("zimbra-export-disabled")).ToContainTextAsync("No Zimbra server is set for this job");

        await panel.GetByTestId("zimbra-ssh-set").ClickAsync();
        await BrowserSession.Input(page, "zimbra-ssh-host").FillAsync(_sshd.Host);
        await BrowserSession.Input(page, "zimbra-ssh-port").FillAsync(_sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await BrowserSession.Input(page, "zimbra-ssh-user").FillAsync(_sshd.User);
        await BrowserSession.Input(page, "zimbra-ssh-key").FillAsync(_sshd.ClientKey);
        await BrowserSession.Input(page, "zimbra-ssh-zmmailbox").FillAsync(_sshd.Zmmailbox);
        await Expect(panel.GetByTestId("zimbra-ssh-save")).ToBeDisabledAsync();
        await panel.GetByTestId("zimbra-ssh-probe").ClickAsync();

        await Expect(panel.GetByTestId("zimbra-ssh-probed-key")).ToHaveTextAsync(_sshd.HostKeySha256, new() { Timeout = 30_000 });
        await Expect(panel.GetByTestId("zimbra-ssh-save-blocked")).ToHaveTextAsync("Confirm the host key once you have checked it.");
        await panel.ScrollIntoViewIfNeededAsync();
        await panel.ScreenshotAsync(new() { Path = Shot("zimbra-ssh-01-probed") });
        await BrowserSession.Input(page, "zimbra-ssh-confirm").CheckAsync();
        await panel.GetByTestId("zimbra-ssh-save").ClickAsync();

        await Expect(panel.GetByTestId("zimbra-ssh-server")).ToHaveTextAsync($"{_sshd.User}@{_sshd.Host}:{_sshd.Port}");
        await Expect(panel.GetByTestId("zimbra-ssh-hostkey")).ToHaveTextAsync(_sshd.HostKeySha256);
        await Expect(panel).Not.ToContainTextAsync("PRIVATE KEY");
        await panel.ScreenshotAsync(new() { Path = Shot("zimbra-ssh-02-saved") });

        // The open mailbox follows the save: its export is enabled now.
        var export = page.GetByTestId("zimbra-export");
        await Expect(export).ToHaveAttributeAsync("data-configured", "true");
        await export.GetByTestId("zimbra-export-start").ClickAsync();

        var status = export.GetByTestId("pst-run-status");
        await Expect(status).ToHaveAttributeAsync("data-status", "Succeeded", new() { Timeout = 90_000 });
        await Expect(status).ToContainTextAsync("zmmailbox ana@old.example.com");
        Assert.Equal(["Inbox", "INBOX", "30", "30", "30", "0", "0", "30"], await RowAsync(export, "INBOX"));
        Assert.Equal(["Sent", "Sent", "12", "12", "12", "0", "0", "12"], await RowAsync(export, "Sent"));
        await Expect(page.GetByTestId("audit-trail")).ToContainTextAsync("started exporting ana@old.example.com from the Zimbra server over SSH");
        await export.ScrollIntoViewIfNeededAsync();
        await export.ScreenshotAsync(new() { Path = Shot("zimbra-ssh-03-exported") });
        Assert.Equal(30, await _dovecot.CountMessagesAsync(user, "INBOX"));
        Assert.Equal(12, await _dovecot.CountMessagesAsync(user, "Sent"));

        // 390 px: the panel and the export fit the screen.
        await page.SetViewportSizeAsync(390, 844);
        await panel.GetByTestId("zimbra-ssh-change").ClickAsync();
        await panel.ScrollIntoViewIfNeededAsync();
        await panel.ScreenshotAsync(new() { Path = Shot("zimbra-ssh-04-change-390") });
        await panel.GetByTestId("zimbra-ssh-cancel").ClickAsync();
        await panel.ScreenshotAsync(new() { Path = Shot("zimbra-ssh-05-saved-390") });
        await export.ScrollIntoViewIfNeededAsync();
        await export.ScreenshotAsync(new() { Path = Shot("zimbra-ssh-06-exported-390") });
        await BrowserSession.ScreenshotAsync(page, "zimbra-ssh-07-page-390");
        // Ours fit (the runs panel's own tables may still widen the page after a run: not this panel's).
        foreach (var testId in new[] { "zimbra-ssh", "zimbra-export" })
        {
            var right = await page.GetByTestId(testId).EvaluateAsync<double>("e => e.getBoundingClientRect().right");
            Assert.True(right <= 390, $"{testId} reaches {right} px at 390 px");
        }
    }

    private static string Shot(string name) => Path.Combine(BrowserSession.ScreenshotDir, name + ".png");

    private static async Task<string[]> RowAsync(ILocator scope, string destination) =>
        (await scope.Locator($"[data-testid=pst-folder][data-folder='{destination}'] td").AllInnerTextsAsync()).Select(t => t.Trim()).ToArray();
}
