using Ligbox.Console.Tests.Browser;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Localization;

/// <summary>The language switch in the top bar and the profile page, in real Chromium (issue 16).</summary>
public class LanguageBrowserTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task TheTopBarSwitch_TurnsTheConsolePortuguese_AndTheProfileKeepsIt()
    {
        await session.App.CreateUserAsync("lang.browser@ligbox.test", Roles.Admin);
        var page = await session.SignInAsync("lang.browser@ligbox.test", LigboxAppFactory.DefaultPassword);
        await Expect(page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "Migration jobs" })).ToBeVisibleAsync();

        await page.GetByTestId("language-menu").ClickAsync();
        await Expect(page.GetByTestId("language-pt")).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "language-01-menu");
        await page.GetByTestId("language-pt").ClickAsync();

        await Expect(page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "Migrações" })).ToBeVisibleAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "pt");
        await using (var scope = session.App.Services.CreateAsyncScope())
        {
            var user = await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync("lang.browser@ligbox.test");
            Assert.Equal("pt", user!.Language);
        }

        await page.GotoAsync("/account/profile");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Idioma e fuso horário");
        await page.Locator("#time-zone").SelectOptionAsync("Europe/Lisbon");
        await page.Locator("#profile-save").ClickAsync();
        await Expect(page.GetByTestId("profile-saved")).ToHaveTextAsync("Guardado.");
        await BrowserSession.ScreenshotAsync(page, "language-02-profile-pt");

        await page.SetViewportSizeAsync(390, 800);
        await page.GotoAsync("/migration/jobs");
        await BrowserSession.WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("language-menu")).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "language-03-topbar-390");
    }
}
