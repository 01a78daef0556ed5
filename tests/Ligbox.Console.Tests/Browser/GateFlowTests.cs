using Ligbox.Console.Tests.Gate;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Core.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Browser;

/// <summary>The gate panel in a real browser: an ops lead approves, a technician cannot.</summary>
public class GateFlowTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task OpsLeadApprovesReadyGate()
    {
        await session.App.CreateUserAsync("lead.browser@ligbox.test", Roles.OpsLead);
        var jobId = await GateSeed.ReadyJobAsync(session.App.Services, "gate-browser.example");
        var page = await session.SignInAsync("lead.browser@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");

        await Expect(page.GetByTestId("gate-state")).ToHaveTextAsync("Ready");
        await Expect(page.GetByTestId("gate-grade")).ToHaveTextAsync("good");
        await Expect(page.GetByTestId("gate-ratio")).ToContainTextAsync("99.58%");
        await BrowserSession.ScreenshotAsync(page, "gate-01-ready");

        await page.GetByTestId("gate-approve").ClickAsync();
        await Expect(page.GetByTestId("gate-dialog-confirm")).ToBeDisabledAsync();
        await BrowserSession.Input(page, "gate-comment").FillAsync("Counts checked with the customer; DNS may switch.");
        await page.Keyboard.PressAsync("Tab");
        await BrowserSession.ScreenshotAsync(page, "gate-02-approve-dialog");
        await page.GetByTestId("gate-dialog-confirm").ClickAsync();

        await Expect(page.GetByTestId("gate-state")).ToHaveTextAsync("Approved");
        await Expect(page.GetByText("Gate approved").First).ToBeVisibleAsync();
        await Expect(page.GetByTestId("gate-approved-by")).ToContainTextAsync("lead.browser@ligbox.test");
        await Expect(page.GetByTestId("gate-events").Locator("[data-action='gate.approved']")).ToHaveTextAsync("Approved");
        await BrowserSession.ScreenshotAsync(page, "gate-03-approved");
    }

    [Fact]
    public async Task TechnicianSeesApproveDisabled_WithExplanation()
    {
        await session.App.CreateUserAsync("tech.gate@ligbox.test", Roles.Technician);
        var jobId = await GateSeed.ReadyJobAsync(session.App.Services, "gate-tech.example");
        var page = await session.SignInAsync("tech.gate@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");

        await Expect(page.GetByTestId("gate-approve")).ToBeDisabledAsync();
        await Expect(page.GetByTestId("gate-approve-explanation")).ToContainTextAsync("Only an ops lead or an admin");
        await BrowserSession.ScreenshotAsync(page, "gate-04-technician");

        await page.GotoAsync("/migration/jobs");
        await BrowserSession.WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("gate-state").First).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "gate-05-job-list");
    }

    [Fact]
    public async Task AdminSeesWebhookEndpointsAndDeliveries()
    {
        var webhooks = session.App.Services.GetRequiredService<WebhookService>();
        await webhooks.AddEndpointAsync("http://127.0.0.1:1/unreachable", "secret-secret-secret", [WebhookEvents.GateApproved, WebhookEvents.RunFailed], LigboxAppFactory.AdminEmail);
        await webhooks.PublishAsync(WebhookEvents.RunFailed, null, new { reason = "test" });
        var page = await session.SignInAsync(LigboxAppFactory.AdminEmail, LigboxAppFactory.AdminPassword, "/admin/webhooks");

        await Expect(page.GetByTestId("webhooks-table")).ToContainTextAsync("http://127.0.0.1:1/unreachable");
        await Expect(page.GetByTestId("deliveries-table")).ToContainTextAsync(WebhookEvents.RunFailed);
        await BrowserSession.ScreenshotAsync(page, "gate-06-webhooks");
    }
}
