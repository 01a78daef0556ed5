using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using static Ligbox.Console.Tests.Scheduling.ScheduleTestSupport;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Browser;

/// <summary>The "Scheduled delta sync" card on the job page in a real browser, with the real scheduler behind it.</summary>
public sealed class DeltaScheduleBrowserTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task Technician_SetsACronSchedule_SeesTheNextRun_AndTheSkippedPass()
    {
        using var api = await session.App.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        using var created = await api.PostAsJsonAsync("/api/migration/jobs", Api.ApiPermissionMatrixTests.NewJob("schedule-browser.example"));
        created.EnsureSuccessStatusCode();
        var jobId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using (var added = await api.PostAsync($"/api/migration/jobs/{jobId}/mailboxes", JsonContent.Create(new
        {
            sourceUser = "ana@schedule-browser.example", sourcePassword = "s3cret-pass", destUser = "ana@schedule-browser.example", destPassword = "d3st-pass",
        })))
        {
            added.EnsureSuccessStatusCode();
        }

        await session.App.CreateUserAsync("tech.schedule@ligbox.test", Roles.Technician);
        var page = await session.SignInAsync("tech.schedule@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");
        await BrowserSession.WaitInteractiveAsync(page);
        var card = page.GetByTestId("schedule-card");
        await card.ScrollIntoViewIfNeededAsync();
        await Expect(page.GetByTestId("schedule-next")).ToContainTextAsync("the schedule is off");

        await page.GetByTestId("schedule-enabled").ClickAsync();
        await page.GetByTestId("schedule-mode-cron").ClickAsync();
        await BrowserSession.Input(page, "schedule-cron").FillAsync("0 */6 * * *");
        await page.GetByTestId("schedule-save").ClickAsync();
        await Expect(card).ToContainTextAsync("is not a valid cron expression");
        await card.ScreenshotAsync(new() { Path = Path.Combine(BrowserSession.ScreenshotDir, "schedule-01-bad-cron.png") });

        await BrowserSession.Input(page, "schedule-cron").FillAsync("0/2 * * * * ?");
        await page.GetByTestId("schedule-save").ClickAsync();
        // The next run in the person's zone and culture (issue 16); the UTC instant in its title and datetime.
        await Expect(page.GetByTestId("schedule-next-utc")).ToHaveAttributeAsync("title", new System.Text.RegularExpressions.Regex(" UTC$"));
        await Expect(card).Not.ToContainTextAsync("is not a valid cron expression");

        // The real scheduler fires within two seconds; no initial sync yet, so the pass is skipped and says why.
        await WaitForPassAsync(api, jobId, p => p.GetProperty("outcome").GetString() == "Skipped");
        await PutScheduleAsync(api, jobId, new { enabled = true, everyHours = 6 });
        await page.ReloadAsync();
        await BrowserSession.WaitInteractiveAsync(page);
        await page.GetByTestId("schedule-card").ScrollIntoViewIfNeededAsync();
        await Expect(page.GetByTestId("schedule-last")).ToHaveAttributeAsync("data-outcome", "Skipped");
        await Expect(page.GetByTestId("schedule-last")).ToContainTextAsync("No initial sync has succeeded yet");
        // Label, time, dash and outcome each a space apart ("pass:12/5/2026 11:12 PM— skipped" before).
        await Expect(page.GetByTestId("schedule-last")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^Last scheduled pass: \S.*\S — skipped: "));
        await Expect(page.GetByTestId("schedule-next")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^Next run: \S.* \(in 5 h"));
        await page.GetByTestId("schedule-card").ScreenshotAsync(new() { Path = Path.Combine(BrowserSession.ScreenshotDir, "schedule-02-hours-last-pass.png") });
        await BrowserSession.ScreenshotAsync(page, "schedule-03-job-page");

        using (var cancel = await api.PostAsync($"/api/migration/jobs/{jobId}/cancel", JsonContent.Create(new { reason = "screenshot" })))
        {
            cancel.EnsureSuccessStatusCode();
        }

        await page.ReloadAsync();
        await BrowserSession.WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("schedule-locked")).ToContainTextAsync("no scheduled delta sync runs for it any more");
        await Expect(page.GetByTestId("schedule-save")).ToBeDisabledAsync();
        await page.GetByTestId("schedule-card").ScreenshotAsync(new() { Path = Path.Combine(BrowserSession.ScreenshotDir, "schedule-04-closed-job.png") });
    }
}
