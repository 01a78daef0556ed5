using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Dovecot;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Browser;

/// <summary>The job page as one live view, at 1280 and 390 px, and the account pages, in a real browser against real Dovecot.</summary>
public sealed class JobPageBrowserTests(BrowserSession session) : DovecotPairTest, IClassFixture<BrowserSession>
{
    [Fact]
    public async Task FirstMailbox_EnablesRuns_AndARunUpdatesGateSummaryAndAudit_WithoutReload()
    {
        var (user, sp, dp) = NewPair(Source, Destination);
        await SeedAsync(Source, user, "INBOX", 20);
        using var api = await session.App.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        var jobId = await CreateJobAsync(api, Source, Destination, "live-view.example");
        await session.App.CreateUserAsync("tech.view@ligbox.test", Roles.Technician);
        var page = await session.SignInAsync("tech.view@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");
        await BrowserSession.WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("run-initial")).ToBeDisabledAsync();
        await Expect(page.GetByTestId("gate-reasons")).ToContainTextAsync("The job has no mailboxes.");
        await Expect(page.GetByTestId("summary-next")).ToContainTextAsync("Add the mailboxes");

        // Another writer (the API) adds the first mailbox: the open page follows without a reload.
        await AddMailboxAsync(api, jobId, user, sp, user, dp);
        await Expect(page.GetByTestId("run-initial")).ToBeEnabledAsync(new() { Timeout = 10_000 });
        await Expect(page.GetByTestId("run-preflight")).ToBeEnabledAsync();
        await Expect(page.GetByTestId("gate-reasons")).Not.ToContainTextAsync("The job has no mailboxes.");
        await Expect(page.GetByTestId("mailbox-source")).ToHaveTextAsync(user);
        await Expect(page.GetByTestId("summary-synced")).ToHaveTextAsync("0 of 1");
        await Expect(page.GetByTestId("gate-ratio")).ToHaveTextAsync("No verified message counts yet");

        await page.GetByTestId("run-initial").ClickAsync();
        await Expect(page.GetByTestId("run-status").First).ToHaveAttributeAsync("data-status", "Succeeded", new() { Timeout = 60_000 });
        // The gate, the summary and the audit trail show the run's figures on the same open page.
        await Expect(page.GetByTestId("gate-ratio")).ToContainTextAsync("(20 of 20)", new() { Timeout = 10_000 });
        await Expect(page.GetByTestId("summary-synced")).ToHaveTextAsync("1 of 1");
        await Expect(page.GetByTestId("summary-messages")).ToHaveTextAsync("20 / 20");
        await Expect(page.GetByTestId("audit-trail")).ToContainTextAsync("The initial sync succeeded");
        await Expect(page.GetByTestId("audit-trail")).ToContainTextAsync($"added the mailbox {user}");
        // The run's per-mailbox table stays after the run; the mailbox's detail has its folders.
        await Expect(page.GetByTestId("run-mailbox-login")).ToHaveTextAsync(user);
        await page.GetByTestId("mailbox-table").GetByTestId("mailbox-expand").ClickAsync();
        await Expect(page.GetByTestId("detail-sync-folders")).ToContainTextAsync("INBOX");
        await page.SetViewportSizeAsync(1280, 900);
        await BrowserSession.ScreenshotAsync(page, "jobpage-01-1280");

        // Final asks first, with the cut-over checklist; Escape closes the dialog and starts nothing.
        await BrowserSession.ClickWhenSettledAsync(page.GetByTestId("run-final"));
        await Expect(page.GetByTestId("confirm-checklist")).ToContainTextAsync("MX");
        await BrowserSession.ScreenshotAsync(page, "jobpage-02-final-checklist");
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByTestId("confirm-checklist")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("run-status")).ToHaveCountAsync(1);
        await BrowserSession.ClickWhenSettledAsync(page.GetByTestId("run-final"));
        await BrowserSession.ClickWhenSettledAsync(page.GetByTestId("confirm-yes"));
        await Expect(page.GetByTestId("run-status").First).ToHaveAttributeAsync("data-status", "Succeeded", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("gate-state")).ToHaveTextAsync("Ready", new() { Timeout = 10_000 });

        // 390 px: labelled cards, a top bar that fits, nothing wider than the screen.
        await page.SetViewportSizeAsync(390, 844);
        await page.ReloadAsync();
        await BrowserSession.WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("summary-synced")).ToHaveTextAsync("1 of 1");
        var width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        await BrowserSession.ScreenshotAsync(page, "jobpage-03-390");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserSession.ScreenshotDir, "jobpage-03-390-top.png") });
        foreach (var section in new[] { "mailboxes", "runs", "gate", "audit" })
        {
            await page.EvaluateAsync($"document.getElementById('{section}').scrollIntoView()");
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserSession.ScreenshotDir, $"jobpage-04-390-{section}.png") });
        }

        Assert.True(width <= 390, $"the page is {width} px wide at 390 px");
    }

    [Fact]
    public async Task GeneratedPassword_MustBeChangedBeforeAnyPage_ThenTheConsoleOpens()
    {
        const string email = "first.admin@ligbox.test";
        await session.App.CreateUserAsync(email, Roles.Admin);
        await using (var scope = session.App.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var user = await users.FindByEmailAsync(email);
            user!.MustChangePassword = true;
            await users.UpdateAsync(user);
        }

        var page = await SignInStaticAsync(email, LigboxAppFactory.DefaultPassword, "/migration/jobs");
        await page.WaitForURLAsync("**/account/password**");
        await Expect(page.GetByTestId("must-change-password")).ToBeVisibleAsync();
        await page.GotoAsync("/admin/users");
        await page.WaitForURLAsync("**/account/password**");

        await page.FillAsync("#current-password", "not-the-password");
        await page.FillAsync("#new-password", "Chosen-Passw0rd!");
        await page.FillAsync("#confirm-password", "Chosen-Passw0rd!");
        await page.ClickAsync("#change-password-save");
        await Expect(page.GetByTestId("change-password-error")).ToHaveTextAsync("The current password is wrong.");
        await BrowserSession.ScreenshotAsync(page, "account-01-must-change");

        await page.FillAsync("#current-password", LigboxAppFactory.DefaultPassword);
        await page.FillAsync("#new-password", "Chosen-Passw0rd!");
        await page.FillAsync("#confirm-password", "Chosen-Passw0rd!");
        await page.ClickAsync("#change-password-save");
        await page.WaitForURLAsync("**/admin/users**");
        await BrowserSession.WaitInteractiveAsync(page);
        await page.GotoAsync("/migration/jobs");
        await BrowserSession.WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("new-job")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Account menu" }).ClickAsync();
        await Expect(page.GetByText("Change password")).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "account-02-menu");
    }

    [Fact]
    public async Task SignIn_KeepsTheEmail_AfterAWrongPassword()
    {
        var page = await NewPageAsync(390);
        await page.GotoAsync("/account/login");
        await page.FillAsync("#email", "someone@ligbox.test");
        await page.FillAsync("#password", "wrong-password");
        await page.ClickAsync("#sign-in");
        await Expect(page.GetByTestId("login-error")).ToBeVisibleAsync();
        await Expect(page.Locator("#email")).ToHaveValueAsync("someone@ligbox.test");
        await Expect(page.Locator("#password")).ToBeFocusedAsync();
        await BrowserSession.ScreenshotAsync(page, "account-03-login-wrong-password-390");
    }

    [Fact]
    public async Task UnknownAddress_ShowsAPage_ApiKeepsProblemJson()
    {
        var page = await NewPageAsync(1280);
        var response = await page.GotoAsync("/no/such/page");
        Assert.Equal(404, response!.Status);
        await Expect(page.GetByTestId("not-found")).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "notfound-01");

        var api = await page.APIRequest.GetAsync("/api/no/such/route", new() { Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer " + await session.App.CreateTokenAsync(Scopes.JobsRead) } });
        Assert.Equal(404, api.Status);
        Assert.StartsWith("application/problem+json", api.Headers["content-type"], StringComparison.Ordinal);
    }

    private async Task<IPage> NewPageAsync(int width)
    {
        var context = await session.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = session.App.ServerAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = 844 },
        });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    /// <summary>Signs in through the form without waiting for an interactive page (the change-password page is a static form).</summary>
    private async Task<IPage> SignInStaticAsync(string email, string password, string path)
    {
        var page = await NewPageAsync(1280);
        await page.GotoAsync(path);
        await page.WaitForURLAsync("**/account/login**");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#sign-in");
        return page;
    }
}
