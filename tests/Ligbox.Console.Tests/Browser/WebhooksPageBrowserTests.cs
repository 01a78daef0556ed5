using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Console.Tests.Webhooks;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Browser;

/// <summary>The webhooks admin page: a generated secret in the dialog, and "Send test event" reaching a real receiver.</summary>
public class WebhooksPageBrowserTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task AdminGeneratesASecret_AndSendsATestEvent()
    {
        using var receiver = new WebhookReceiver();
        var page = await session.SignInAsync(LigboxAppFactory.AdminEmail, LigboxAppFactory.AdminPassword, "/admin/webhooks");

        await page.GetByTestId("add-webhook").ClickAsync();
        await BrowserSession.Input(page, "webhook-url").FillAsync(receiver.Url);
        await page.GetByTestId("webhook-generate").ClickAsync();
        await Expect(BrowserSession.Input(page, "webhook-secret")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("^whsec_[A-Za-z0-9_-]{40,}$"));
        await BrowserSession.ScreenshotAsync(page, "webhooks-01-generated-secret");
        await page.GetByTestId("webhook-save").ClickAsync();
        await Expect(page.GetByTestId("webhooks-table")).ToContainTextAsync(receiver.Url);

        await page.GetByTestId("webhook-send-test").First.ClickAsync();

        await Expect(page.GetByText("A test event is on its way")).ToBeVisibleAsync();
        var received = await receiver.WaitForAsync(r => r.Count >= 1, TimeSpan.FromSeconds(30));
        Assert.Contains("migration.test", received[0].Body, StringComparison.Ordinal);
        await page.ReloadAsync();
        await BrowserSession.WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("deliveries-table")).ToContainTextAsync("migration.test");
        await BrowserSession.ScreenshotAsync(page, "webhooks-02-test-event");
    }
}
