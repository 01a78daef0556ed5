using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Dovecot;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Browser;

/// <summary>A technician starts an initial sync from the job page and watches it in a real browser.</summary>
public sealed class RunsPanelBrowserTests(BrowserSession session) : DovecotPairTest, IClassFixture<BrowserSession>
{
    [Fact]
    public async Task InitialSync_StartedFromTheJobPage_ShowsProgressAndLogLines()
    {
        var (user, sp, dp) = NewPair(Source, Destination);
        await SeedAsync(Source, user, "INBOX", 4000);
        using var api = await session.App.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        var jobId = await CreateJobAsync(api, Source, Destination, "runs-browser.example");
        await AddMailboxAsync(api, jobId, user, sp, user, dp);
        await session.App.CreateUserAsync("tech.runs@ligbox.test", Roles.Technician);

        var page = await session.SignInAsync("tech.runs@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");
        await BrowserSession.WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("runs-empty")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("run-delta")).ToBeDisabledAsync();
        await Expect(page.GetByTestId("run-final")).ToBeDisabledAsync();

        await page.GetByTestId("run-initial").ClickAsync();

        var progress = page.GetByTestId("mailbox-progress");
        await Expect(progress).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Expect(page.GetByTestId("log-lines")).ToContainTextAsync("Started:", new() { Timeout = 20_000 });
        await Expect(page.GetByTestId("run-cancel")).ToBeEnabledAsync();
        await BrowserSession.ScreenshotAsync(page, "20-run-progress");

        await Expect(page.GetByTestId("run-status").First).ToHaveAttributeAsync("data-status", "Succeeded", new() { Timeout = 90_000 });
        await Expect(page.GetByTestId("log-lines")).ToContainTextAsync("Mailbox done: 4000/4000");
        await Expect(page.GetByTestId("run-delta")).ToBeEnabledAsync();
        // The page follows the run: the job's phase and the mailbox's counts.
        await Expect(page.GetByTestId("phase-chip")).ToHaveAttributeAsync("data-phase", "Syncing");
        await Expect(page.GetByTestId("mailbox-table")).ToContainTextAsync("4,000 / 4,000");
        Assert.DoesNotContain(sp, await page.ContentAsync(), StringComparison.Ordinal);
        await BrowserSession.ScreenshotAsync(page, "21-run-done");
        Assert.Equal(4000, await Destination.CountMessagesAsync(user, "INBOX"));
    }
}
