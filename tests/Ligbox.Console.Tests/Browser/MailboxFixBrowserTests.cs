using System.Net.Http.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Dovecot;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Browser;

/// <summary>
/// Issue 11 on the page: one wrong password among two. The delta button covers the good mailbox only and says so;
/// the technician fixes the password from the mailbox row, retries the failed one, then runs delta and final for
/// both from the page (real Dovecot, real Chromium).
/// </summary>
public sealed class MailboxFixBrowserTests(BrowserSession session) : DovecotPairTest, IClassFixture<BrowserSession>
{
    [Fact]
    public async Task WrongPassword_FixedOnThePage_ThenDeltaAndFinalCompleteForAll()
    {
        var (good, goodSp, goodDp) = NewPair(Source, Destination);
        var (bad, badSp, badDp) = NewPair(Source, Destination);
        await SeedAsync(Source, good, "INBOX", 5);
        await SeedAsync(Source, bad, "INBOX", 7);
        using var api = await session.App.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        var jobId = await CreateJobAsync(api, Source, Destination, "fix-browser.example");
        await AddMailboxAsync(api, jobId, good, goodSp, good, goodDp);
        await AddMailboxAsync(api, jobId, bad, "not-the-password", bad, badDp);
        var initial = await WaitForRunAsync(api, await StartAsync(api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" }));
        Assert.Equal("Failed", initial.GetProperty("status").GetString());
        await session.App.CreateUserAsync("tech.fix@ligbox.test", Roles.Technician);

        var page = await session.SignInAsync("tech.fix@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");
        await BrowserSession.WaitInteractiveAsync(page);
        // Delta is open for the good mailbox only, and the page says which mailboxes it covers.
        await Expect(page.GetByTestId("run-delta")).ToBeEnabledAsync();
        await Expect(page.GetByTestId("run-coverage-delta")).ToContainTextAsync($"Covers 1 of 2 mailbox(es): {good}. Leaves out: {bad} (no successful initial sync yet).");

        var row = page.GetByTestId("mailbox-table").Locator("tr", new() { HasText = bad });
        await row.GetByTestId("mailbox-actions").ClickAsync();
        await page.GetByTestId("mailbox-edit").ClickAsync();
        await BrowserSession.Input(page, "edit-source-password").FillAsync(badSp);
        await BrowserSession.ScreenshotAsync(page, "60-edit-mailbox");
        await page.GetByTestId("edit-mailbox-save").ClickAsync();
        await Expect(page.GetByTestId("edit-mailbox-dialog")).ToBeHiddenAsync();
        await Expect(row).ToContainTextAsync("Pending");

        await BrowserSession.ClickWhenSettledAsync(page.GetByTestId("run-retry-failed"));
        await WaitForLatestRunAsync(api, jobId, "Initial", 2);
        // The page follows the finished run (runs, summary, coverage) before the next button is pressed.
        await Expect(page.GetByTestId("run-status")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("summary-synced")).ToContainTextAsync("2 of 2");
        await Expect(page.GetByTestId("run-coverage-delta")).ToContainTextAsync("Covers 2 of 2 mailbox(es)");

        await BrowserSession.ClickWhenSettledAsync(page.GetByTestId("run-delta"));
        await WaitForLatestRunAsync(api, jobId, "Delta");
        await Expect(page.GetByTestId("run-status")).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("run-status").First).ToHaveAttributeAsync("data-status", "Succeeded");
        await BrowserSession.ClickWhenSettledAsync(page.GetByTestId("run-final"));
        // Final asks first, with the cut-over checklist (issue 11).
        await BrowserSession.ClickWhenSettledAsync(page.GetByTestId("confirm-yes"));
        await WaitForLatestRunAsync(api, jobId, "Final");
        // The phase after the final (read after a reload: the page's own live refresh is covered by the job page's tests).
        await page.ReloadAsync();
        await BrowserSession.WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("phase-chip")).ToHaveAttributeAsync("data-phase", "GateReady", new() { Timeout = 20_000 });
        await BrowserSession.ScreenshotAsync(page, "61-fixed-and-final");

        Assert.Equal(5, await Destination.CountMessagesAsync(good, "INBOX"));
        Assert.Equal(7, await Destination.CountMessagesAsync(bad, "INBOX"));
        Assert.DoesNotContain(badSp, await page.ContentAsync(), StringComparison.Ordinal);
    }

    /// <summary>Waits until the job's newest run is of <paramref name="kind"/> (the <paramref name="count"/>-th of that kind) and has succeeded.</summary>
    private static async Task WaitForLatestRunAsync(HttpClient api, Guid jobId, string kind, int count = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var runs = (await api.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/migration/jobs/{jobId}/runs")).EnumerateArray().ToList();
            if (runs.Count(r => r.GetProperty("kind").GetString() == kind) >= count && runs[0].GetProperty("kind").GetString() == kind
                && runs[0].GetProperty("status").GetString() is not ("Queued" or "Running"))
            {
                Assert.Equal("Succeeded", runs[0].GetProperty("status").GetString());
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no finished {kind} run: {string.Join(", ", runs.Select(r => r.GetProperty("kind") + " " + r.GetProperty("status")))}");
            await Task.Delay(200);
        }
    }
}
