using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Dovecot;
using Microsoft.Playwright;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Browser;

/// <summary>The console with the engine capped at 150 msg/s per mailbox, so a run lasts long enough to watch it.</summary>
public sealed class SlowRunsBrowserSession() : BrowserSession(new SlowRunsApp())
{
    private sealed class SlowRunsApp : LigboxKestrelAppFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Tools:NativeImap:MaxMessagesPerSecond"] = "150",
        };
    }
}

/// <summary>The job page while runs are running: live figures per mailbox and folder, the live log and its filters, cancelling.</summary>
public sealed class LiveRunBrowserTests(SlowRunsBrowserSession session) : DovecotPairTest, IClassFixture<SlowRunsBrowserSession>
{
    [Fact]
    public async Task Run_IsWatchedLiveOnTwoPages_FiltersWork_AndASecondRunIsCancelledFromThePage()
    {
        var (big, bsp, bdp) = NewPair(Source, Destination);
        var (small, ssp, sdp) = NewPair(Source, Destination);
        await SeedAsync(Source, big, "INBOX", 1200);
        await SeedAsync(Source, big, "Archive", 300, "old");
        await SeedAsync(Source, small, "INBOX", 150);
        using var api = await session.App.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        var jobId = await CreateJobAsync(api, Source, Destination, "live-runs.example");
        await AddMailboxAsync(api, jobId, big, bsp, big, bdp);
        await AddMailboxAsync(api, jobId, small, ssp, small, sdp);
        await session.App.CreateUserAsync("tech.live1@ligbox.test", Roles.Technician);
        await session.App.CreateUserAsync("tech.live2@ligbox.test", Roles.Technician);
        var one = await session.SignInAsync("tech.live1@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");
        var two = await session.SignInAsync("tech.live2@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");
        await Task.WhenAll(BrowserSession.WaitInteractiveAsync(one), BrowserSession.WaitInteractiveAsync(two));
        await Expect(one.GetByTestId("run-cancel")).ToBeDisabledAsync();

        await one.GetByTestId("run-initial").ClickAsync();

        // Both pages follow the run (the second one did not start it) with figures that grow while it runs.
        var bigRow = (IPage p) => p.Locator($"[data-testid=mailbox-progress][data-mailbox='{big}']");
        await Expect(bigRow(two)).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Expect(bigRow(one)).ToBeVisibleAsync();
        await Expect(BrowserSession.Input(two, "log-pause")).ToBeEnabledAsync();
        var before = await DoneAsync(bigRow(two));
        await Expect(bigRow(two)).Not.ToHaveAttributeAsync("data-done", before.ToString(), new() { Timeout = 10_000 });
        Assert.True(await DoneAsync(bigRow(two)) > before);
        Assert.Equal("Running", await two.GetByTestId("run-status").First.GetAttributeAsync("data-status"));
        var linesBefore = await two.GetByTestId("log-line").CountAsync();
        await Expect(two.GetByTestId("log-line")).Not.ToHaveCountAsync(linesBefore, new() { Timeout = 10_000 });

        // Drill down: each folder of the mailbox with its own figures.
        await bigRow(one).GetByTestId("mailbox-expand").ClickAsync();
        await Expect(one.Locator($"[data-testid=folder-progress][data-mailbox='{big}'][data-folder='INBOX']")).ToBeVisibleAsync();
        await Expect(one.Locator($"[data-testid=folder-progress][data-folder='INBOX']")).ToHaveAttributeAsync("data-total", "1200");
        await BrowserSession.ScreenshotAsync(one, "30-live-run-folders");

        await Expect(one.GetByTestId("run-status").First).ToHaveAttributeAsync("data-status", "Succeeded", new() { Timeout = 90_000 });
        await Expect(two.GetByTestId("run-status").First).ToHaveAttributeAsync("data-status", "Succeeded");
        await Expect(one.GetByTestId("log-lines")).ToContainTextAsync($"[{big}] Mailbox done: 1500/1500");

        // The two pages show the same lines in the same order.
        var lines = await one.GetByTestId("log-line").AllInnerTextsAsync();
        Assert.Equal(lines, await two.GetByTestId("log-line").AllInnerTextsAsync());
        Assert.True(lines.Count >= 8, string.Join("\n", lines));
        await Expect(BrowserSession.Input(one, "log-pause")).ToBeDisabledAsync();
        await Expect(one.GetByTestId("log-download")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("/api/migration/runs/[0-9a-f-]+/log$"));
        var download = await one.RunAndWaitForDownloadAsync(() => one.GetByTestId("log-download").ClickAsync());
        var file = await File.ReadAllTextAsync(await download.PathAsync());
        Assert.Contains($"[{big}] Mailbox done: 1500/1500", file, StringComparison.Ordinal);
        Assert.DoesNotContain(bsp, file, StringComparison.Ordinal);

        // Filters: by mailbox, by level, by text; cleared in one click.
        await Expect(one.GetByTestId("log-clear-filters")).ToBeDisabledAsync();
        await one.GetByTestId("log-mailbox").Locator(".mud-select").First.ClickAsync();
        await one.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = small }).ClickAsync();
        await Expect(one.GetByTestId("log-summary")).ToContainTextAsync("Showing");
        var smallLines = await one.GetByTestId("log-line").AllInnerTextsAsync();
        Assert.NotEmpty(smallLines);
        Assert.All(smallLines, l => Assert.Contains($"[{small}]", l, StringComparison.Ordinal));
        await one.GetByTestId("log-level-error").ClickAsync();
        await Expect(one.GetByTestId("log-line")).ToHaveCountAsync(0);
        await Expect(one.GetByTestId("log-summary")).ToContainTextAsync("match the filters: change or clear them");
        await BrowserSession.ScreenshotAsync(one, "31-log-filters-none");
        await one.GetByTestId("log-clear-filters").ClickAsync();
        await Expect(one.GetByTestId("log-line")).ToHaveCountAsync(lines.Count);
        await BrowserSession.Input(one, "log-filter").FillAsync("mailbox done");
        await Expect(one.GetByTestId("log-line")).ToHaveCountAsync(2);
        await one.GetByTestId("log-level-info").ClickAsync();
        await Expect(one.GetByTestId("log-line")).ToHaveCountAsync(2);
        await BrowserSession.ScreenshotAsync(one, "32-log-filters");
        await one.GetByTestId("log-clear-filters").ClickAsync();

        // A second run: pause its log while it runs, then cancel it from the page.
        await SeedAsync(Source, big, "INBOX", 1500, "more");
        await Expect(one.GetByTestId("run-delta")).ToBeEnabledAsync();
        await BrowserSession.ClickWhenSettledAsync(one.GetByTestId("run-delta"));
        await Expect(two.GetByTestId("run-status").First).ToHaveAttributeAsync("data-status", "Running", new() { Timeout = 20_000 });
        await Expect(bigRow(two)).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await BrowserSession.Input(two, "log-pause").ClickAsync();
        await Expect(two.GetByTestId("log-summary")).ToContainTextAsync("Paused");
        await Expect(one.GetByTestId("run-cancel")).ToBeEnabledAsync();
        await BrowserSession.ScreenshotAsync(two, "33-delta-running-paused");
        await one.GetByTestId("run-cancel").ClickAsync();
        await Expect(one.GetByTestId("run-status").First).ToHaveAttributeAsync("data-status", "Cancelled", new() { Timeout = 30_000 });
        await Expect(two.GetByTestId("run-status").First).ToHaveAttributeAsync("data-status", "Cancelled");
        await Expect(two.GetByTestId("log-summary")).Not.ToContainTextAsync("Paused");
        await Expect(two.GetByTestId("log-lines")).ToContainTextAsync("Cancelled by tech.live1@ligbox.test");
        await Expect(two.Locator("[data-testid=log-line][data-level=Warning]").Filter(new() { HasText = "Cancelled by" })).ToHaveCountAsync(1);
        await Expect(one.GetByTestId("run-cancel")).ToBeDisabledAsync();
        await Expect(one.GetByTestId("run-status")).ToHaveCountAsync(2);
        await Expect(one.GetByTestId("run-status").Nth(1)).ToHaveAttributeAsync("data-status", "Succeeded");
        await BrowserSession.ScreenshotAsync(one, "34-delta-cancelled");
        Assert.True(await Destination.CountMessagesAsync(big, "INBOX") < 2700);
    }

    [Fact]
    public async Task Preflight_WithAWrongPassword_ShowsTheEngineMessageInPlainWords()
    {
        var (user, _, dp) = NewPair(Source, Destination);
        using var api = await session.App.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        var jobId = await CreateJobAsync(api, Source, Destination, "wrong-password.example");
        await AddMailboxAsync(api, jobId, user, "not-the-password", user, dp);
        await session.App.CreateUserAsync("tech.pf@ligbox.test", Roles.Technician);
        var page = await session.SignInAsync("tech.pf@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");
        await BrowserSession.WaitInteractiveAsync(page);

        await page.GetByTestId("run-preflight").ClickAsync();

        await Expect(page.GetByTestId("run-status").First).ToHaveAttributeAsync("data-status", "Failed", new() { Timeout = 30_000 });
        // What the engine's classifier wrote reaches the history and the log word for word.
        var expected = $"authentication failed for {user} on the source: check the password";
        await Expect(page.GetByTestId("run-history")).ToContainTextAsync($"Pre-flight failed for 1 of 1 mailbox(es): {expected}");
        await page.GetByTestId("log-level-error").ClickAsync();
        var errors = await page.GetByTestId("log-line").AllInnerTextsAsync();
        Assert.Equal(2, errors.Count);
        Assert.All(errors, l => Assert.EndsWith(expected, l, StringComparison.Ordinal));
        await Expect(page.GetByTestId("log-level-error")).ToContainTextAsync("Errors (2)");
        var html = await page.ContentAsync();
        Assert.DoesNotContain("   at ", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", html, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", html, StringComparison.Ordinal);
        await BrowserSession.ScreenshotAsync(page, "35-preflight-auth-error");
    }

    private static async Task<long> DoneAsync(ILocator row) => long.Parse(await row.GetAttributeAsync("data-done") ?? "0");
}
