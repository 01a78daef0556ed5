using Ligbox.Console.Tests.Browser;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Security;

/// <summary>An open page re-reads its user (here every 2 s): disabling the account ends the page's session (issue 12).</summary>
public class RevalidationBrowserTests(RevalidationBrowserTests.Session session) : IClassFixture<RevalidationBrowserTests.Session>
{
    public sealed class Session() : BrowserSession(new ShortRevalidationApp())
    {
        private sealed class ShortRevalidationApp : LigboxKestrelAppFactory
        {
            protected override IDictionary<string, string?> Settings =>
                new Dictionary<string, string?>(base.Settings) { ["Ligbox:Security:RevalidationInterval"] = "00:00:02" };
        }
    }

    [Fact]
    public async Task DisabledUser_OpenPage_IsSentToSignIn()
    {
        var user = await session.App.CreateUserAsync("revalidated@ligbox.test", Roles.OpsLead);
        var page = await session.SignInAsync("revalidated@ligbox.test", LigboxAppFactory.DefaultPassword, "/migration/jobs");
        var cspErrors = RevokedRightsBrowserTests.CollectCspErrors(page);
        await Expect(page.GetByTestId("current-user")).ToHaveTextAsync("revalidated@ligbox.test");

        await using (var scope = session.App.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<UserAdminService>().SetDisabledAsync(user.Id, true, LigboxAppFactory.AdminEmail);
        }

        await page.WaitForURLAsync("**/account/login**", new() { Timeout = 20_000 });
        await Expect(page.Locator("#sign-in")).ToBeVisibleAsync();
        Assert.Empty(cspErrors);
    }

    [Fact]
    public async Task EveryPage_WorksUnderTheContentSecurityPolicy()
    {
        var jobId = await Gate.GateSeed.ReadyJobAsync(session.App.Services, "csp-sweep.example");
        var context = await session.Browser.NewContextAsync(new() { BaseURL = session.App.ServerAddress.ToString() });
        var page = await context.NewPageAsync();
        var cspErrors = RevokedRightsBrowserTests.CollectCspErrors(page);
        await page.GotoAsync("/account/login");
        await page.FillAsync("#email", LigboxAppFactory.AdminEmail);
        await page.FillAsync("#password", LigboxAppFactory.AdminPassword);
        await page.ClickAsync("#sign-in");
        foreach (var path in new[] { "/migration/jobs", "/migration/jobs/new", $"/migration/jobs/{jobId}", "/admin/users", "/admin/tokens", "/admin/webhooks", "/admin/tools" })
        {
            await page.GotoAsync(path);
            await BrowserSession.WaitInteractiveAsync(page);
        }

        // A live circuit action under the policy: the job page's gate dialog opens and closes.
        await page.GotoAsync($"/migration/jobs/{jobId}");
        await BrowserSession.WaitInteractiveAsync(page);
        await page.GetByTestId("gate-approve").ClickAsync();
        await Expect(page.GetByTestId("gate-dialog-confirm")).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "security-03-csp-job-page");
        Assert.Empty(cspErrors);
        await context.CloseAsync();
    }
}
