using System.Text.RegularExpressions;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Dovecot;
using Microsoft.Playwright;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Browser;

/// <summary>The home page (overview dashboard) while a real run copies mail between two real Dovecots, on a desktop and a phone.</summary>
public sealed class DashboardBrowserTests(SlowRunsBrowserSession session) : DovecotPairTest, IClassFixture<SlowRunsBrowserSession>
{
    [Fact]
    public async Task HomePage_ShowsARealRunsProgressLive_ThenWhatItCopied_AndAFailureWithItsReason()
    {
        var (user, sp, dp) = NewPair(Source, Destination);
        await SeedAsync(Source, user, "INBOX", 3600);
        var (wrong, _, wdp) = NewPair(Source, Destination);
        using var api = await session.App.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        var jobId = await CreateJobAsync(api, Source, Destination, "dashboard-live.example");
        await AddMailboxAsync(api, jobId, user, sp, user, dp);
        var failingJob = await CreateJobAsync(api, Source, Destination, "dashboard-fails.example");
        await AddMailboxAsync(api, failingJob, wrong, "not-the-password", wrong, wdp);
        await WaitForRunAsync(api, await StartAsync(api, $"/api/migration/jobs/{failingJob}/preflight"));
        await session.App.CreateUserAsync("tech.dash@ligbox.test", Roles.Technician);

        // Signing in lands on the home page: the overview.
        var page = await session.SignInAsync("tech.dash@ligbox.test", LigboxAppFactory.DefaultPassword, "/");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("failure")).ToContainTextAsync($"authentication failed for {wrong} on the source: check the password");
        await Expect(page.GetByTestId("running-run")).ToHaveCountAsync(0);

        // A run started elsewhere (the API) appears, and its figures grow without a reload.
        var runId = await StartAsync(api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" });
        var run = page.Locator($"[data-testid=running-run][data-run='{runId}']");
        await Expect(run.GetByTestId("run-rate")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        var progress = run.GetByTestId("progress-figure");
        var before = await progress.GetAttributeAsync("data-percent");
        await Expect(progress).Not.ToHaveAttributeAsync("data-percent", before!, new() { Timeout = 10_000 });
        await Expect(run.GetByTestId("run-rate")).ToContainTextAsync(new Regex(@"[1-9][\d.,]* messages/s"));
        await Expect(page.GetByTestId("stat-running")).ToHaveTextAsync("1");
        await BrowserSession.ScreenshotAsync(page, "60-dashboard-live-run");
        // The phone: a page of its own opened at 390 px (the layout starts with the menu closed there).
        var phone = await page.Context.NewPageAsync();
        await phone.SetViewportSizeAsync(390, 844);
        await phone.GotoAsync("/");
        await BrowserSession.WaitInteractiveAsync(phone);
        await Expect(phone.Locator($"[data-testid=running-run][data-run='{runId}'] [data-testid=run-rate]")).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(phone, "61-dashboard-live-run-390");

        // When it ends it leaves "running now", and what it copied is in today's figures and the chart.
        await Expect(run).ToHaveCountAsync(0, new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("throughput-24h")).ToHaveTextAsync("3,600 msgs");
        await Expect(page.GetByTestId("throughput-30d")).ToContainTextAsync("3,600 msgs");
        await Expect(page.Locator("[data-testid=copied-per-day] svg")).Not.ToHaveCountAsync(0);
        await Expect(page.GetByTestId("stat-failures")).ToHaveTextAsync("1");
        await page.Locator("[data-testid=biggest-jobs-table] a").Filter(new() { HasText = "dashboard-live.example" }).WaitForAsync();
        await BrowserSession.ScreenshotAsync(page, "62-dashboard-after-run");
        await Expect(phone.GetByTestId("throughput-24h")).ToHaveTextAsync("3,600 msgs");
        await BrowserSession.ScreenshotAsync(phone, "63-dashboard-after-run-390");
        Assert.Equal(3600, await Destination.CountMessagesAsync(user, "INBOX"));
    }
}
