using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Browser;

/// <summary>
/// Issue 15: the create form in real Chromium: a provider preset fills the servers, folders to skip and throttling
/// visibly; the TLS choice reads in full at 1366 px; screenshots at desktop width and at 390 px.
/// </summary>
public sealed class CreateJobPresetBrowserTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    private static async Task ChooseAsync(IPage page, string testId, string text)
    {
        await page.GetByTestId(testId).ClickAsync();
        await page.Locator(".mud-popover-open").GetByText(text, new() { Exact = true }).ClickAsync();
    }

    [Fact]
    public async Task PresetsFillTheForm_TheTlsChoiceIsNotCut_AtDesktopAnd390px()
    {
        await session.App.CreateUserAsync("tech.presets@ligbox.test", Roles.Technician);
        var page = await session.SignInAsync("tech.presets@ligbox.test", LigboxAppFactory.DefaultPassword, "/migration/jobs/new");
        await BrowserSession.WaitInteractiveAsync(page);

        await ChooseAsync(page, "source-preset", "Gmail / Google Workspace");
        await Expect(BrowserSession.Input(page, "source-host")).ToHaveValueAsync("imap.gmail.com");
        await Expect(page.GetByTestId("source-preset-description")).ToContainTextAsync("copied twice");
        await Expect(BrowserSession.Input(page, "exclude")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex(@"\[Gmail\]/All Mail"));
        await Expect(BrowserSession.Input(page, "max-kb-per-second")).ToHaveValueAsync("40");
        await ChooseAsync(page, "destination-preset", "Dovecot / mailcow");
        await BrowserSession.Input(page, "destination-host").FillAsync("mail.ligbox.example");
        await BrowserSession.Input(page, "destination-admin-login").FillAsync("migrator");
        await BrowserSession.Input(page, "destination-admin-login").PressAsync("Tab");
        await ChooseAsync(page, "destination-security", "None — unencrypted (port 143)");
        // The choice reaches the field after the server's round trip: measure the field once it shows it.
        await Expect(page.GetByTestId("destination-security")).ToContainTextAsync("None — unencrypted (port 143)");

        // The longest TLS choice fits its field at 1366 px (it was cut to "None — unencrypted (port …").
        var fits = await page.GetByTestId("destination-security").EvaluateAsync<string>(
            "e => { const t = e.querySelector('input, .mud-input-slot, .mud-select-input') || e; return (t.scrollWidth <= t.clientWidth) + ' ' + t.scrollWidth + '/' + t.clientWidth + ' ' + t.tagName + ' ' + (t.value || t.textContent); }");
        Assert.StartsWith("true", fits);
        Assert.Contains("None — unencrypted (port 143)", fits);
        await BrowserSession.ScreenshotAsync(page, "create-job-presets-desktop");

        await page.SetViewportSizeAsync(390, 844);
        await Expect(BrowserSession.Input(page, "source-host")).ToHaveValueAsync("imap.gmail.com");
        await BrowserSession.ScreenshotAsync(page, "create-job-presets-390");
    }
}
