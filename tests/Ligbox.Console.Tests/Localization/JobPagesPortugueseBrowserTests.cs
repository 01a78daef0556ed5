using Ligbox.Console.Tests.Browser;
using Ligbox.Console.Tests.Gate;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Localization;

/// <summary>
/// The job page and the create form for a technician whose profile is Portuguese (issue 16), in real Chromium at
/// 1280 px and 390 px: the Portuguese texts show, their longer words neither break a button nor push the page sideways.
/// </summary>
public class JobPagesPortugueseBrowserTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    private async Task<IPage> SignInPortugueseAsync(string email, string path)
    {
        await session.App.CreateUserAsync(email, Roles.Technician);
        await using (var scope = session.App.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var user = (await users.FindByEmailAsync(email))!;
            user.Language = "pt";
            user.TimeZoneId = "Europe/Lisbon";
            Assert.True((await users.UpdateAsync(user)).Succeeded);
        }

        return await session.SignInAsync(email, LigboxAppFactory.DefaultPassword, path);
    }

    /// <summary>Every visible button keeps its text on one line and inside its box.</summary>
    private static async Task AssertButtonsWholeAsync(IPage page, string where)
    {
        var broken = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('.mud-button-root')]
                .filter(b => b.offsetParent !== null && b.innerText.trim().length > 0)
                // The label against the button's box, not the button's scrollWidth: a click's ripple is scaled
                // beyond the box while it lasts and counts as overflow.
                .filter(b => {
                    const label = b.querySelector('.mud-button-label') ?? b;
                    const l = label.getBoundingClientRect(), r = b.getBoundingClientRect();
                    return l.left < r.left - 1 || l.right > r.right + 1 || label.scrollWidth > label.clientWidth + 1 || r.height > 48;
                })
                .map(b => b.innerText.trim())
            """);
        Assert.True(broken.Length == 0, $"{where}: buttons whose text breaks or overflows: {string.Join(" | ", broken)}");
    }

    private static async Task AssertNoSidewaysScrollAsync(IPage page, string where)
    {
        var width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(width <= 390, $"{where} is {width} px wide at 390 px");
    }

    [Fact]
    public async Task JobPageAndCreateForm_ArePortuguese_At1280And390Px()
    {
        var jobId = await GateSeed.ReadyJobAsync(session.App.Services, "pt-browser.example.com", ticketId: "HD-4711");
        var page = await SignInPortugueseAsync("pt.tech.browser@ligbox.test", $"/migration/jobs/{jobId}");
        await page.SetViewportSizeAsync(1280, 900);
        await Expect(page.GetByTestId("cancel-job")).ToHaveTextAsync("Cancelar migração");
        await Expect(page.GetByTestId("gate-ratio")).ToContainTextAsync("das mensagens");
        await Expect(page.Locator("#mailboxes h2")).ToHaveTextAsync("Caixas de correio (2)");
        await Expect(page.GetByTestId("edit-settings")).ToHaveTextAsync("Alterar definições");
        await Expect(page.GetByTestId("servers-card")).ToContainTextAsync("Motor:");
        await BrowserSession.ScreenshotAsync(page, "l10n-job-page-pt-1280");
        await AssertButtonsWholeAsync(page, "job page at 1280 px");

        await page.SetViewportSizeAsync(390, 844);
        await Expect(page.GetByTestId("add-mailbox")).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "l10n-job-page-pt-390");
        await AssertButtonsWholeAsync(page, "job page at 390 px");
        await AssertNoSidewaysScrollAsync(page, "the job page");

        await page.SetViewportSizeAsync(1280, 900);
        await page.GotoAsync("/migration/jobs/new");
        await BrowserSession.WaitInteractiveAsync(page);
        await Expect(page.Locator("h1")).ToHaveTextAsync("Nova migração");
        await page.GetByTestId("create-job").ClickAsync();
        await Expect(page.GetByTestId("form-error")).ToHaveTextAsync("Corrija os campos assinalados e crie a migração de novo.");
        await Expect(page.GetByText("Indique o domínio de correio do cliente, p. ex. example.com.")).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "l10n-create-job-pt-1280");
        await AssertButtonsWholeAsync(page, "create form at 1280 px");

        await page.SetViewportSizeAsync(390, 844);
        await Expect(page.GetByTestId("create-job")).ToBeVisibleAsync();
        // From the top: a full-page shot of a scrolled page repeats the fixed top bar over the form.
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await BrowserSession.ScreenshotAsync(page, "l10n-create-job-pt-390");
        await AssertButtonsWholeAsync(page, "create form at 390 px");
        await AssertNoSidewaysScrollAsync(page, "the create form");

        await page.GotoAsync("/migration/jobs");
        await BrowserSession.WaitInteractiveAsync(page);
        await Expect(page.Locator("h1")).ToHaveTextAsync("Migrações");
        await Expect(page.GetByTestId("job-link").First).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "l10n-job-list-pt-390");
    }
}
