using Ligbox.Console.Tests.Desk;
using Ligbox.Console.Tests.Gate;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Desk;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Browser;

/// <summary>A browser session whose automatic Desk retry waits an hour, so "Retry now" is what delivers.</summary>
public sealed class DeskBrowserSession() : BrowserSession(new DeskKestrelAppFactory())
{
    private sealed class DeskKestrelAppFactory : LigboxKestrelAppFactory
    {
        protected override IDictionary<string, string?> Settings
        {
            get
            {
                var settings = base.Settings;
                settings["Ligbox:Desk:BaseDelay"] = "01:00:00";
                settings["Ligbox:Desk:PollInterval"] = "00:00:00.200";
                return settings;
            }
        }
    }
}

/// <summary>The helpdesk admin page in a real browser against a real local helpdesk stand-in: save, test, a failed attachment retried now.</summary>
public class DeskPageBrowserTests(DeskBrowserSession session) : IClassFixture<DeskBrowserSession>
{
    private const string Token = "desk-browser-token-4e21";

    [Fact]
    public async Task AdminSetsUpTheHelpdesk_TestsIt_AndRetriesAFailedAttachment()
    {
        await using var receiver = await DeskReceiver.StartAsync();
        receiver.AcceptedAuthorization = "Bearer " + Token;
        var page = await session.SignInAsync(LigboxAppFactory.AdminEmail, LigboxAppFactory.AdminPassword, "/admin/desk");

        await Expect(page.GetByTestId("desk-token-state")).ToContainTextAsync("Token: not set");
        await BrowserSession.Input(page, "desk-base-url").FillAsync(receiver.BaseUrl);
        await BrowserSession.Input(page, "desk-token").FillAsync(Token);
        await page.Locator("input[data-testid=desk-enabled], [data-testid=desk-enabled] input").First.CheckAsync();
        await page.GetByTestId("desk-save").ClickAsync();
        await Expect(page.GetByTestId("desk-token-state")).ToContainTextAsync("Token: set");
        await Expect(BrowserSession.Input(page, "desk-token")).ToHaveValueAsync("");
        await page.GetByTestId("desk-test").ClickAsync();
        await Expect(page.GetByTestId("desk-test-result")).ToContainTextAsync("it is reachable and accepted the token");

        var ticket = "BR-" + Random.Shared.Next(1000, 9999);
        var jobId = await GateSeed.ReadyJobAsync(session.App.Services, $"deskb-{Guid.NewGuid():N}"[..14] + ".example.com", ticket);
        receiver.Statuses.Enqueue(503);
        var desk = session.App.Services.GetRequiredService<DeskService>();
        await desk.RequestAttachAsync(jobId, LigboxAppFactory.AdminEmail);
        await receiver.WaitForAsync(r => r.Any(x => x.TicketId == ticket), TimeSpan.FromSeconds(30));
        for (var i = 0; i < 100 && (await desk.ListDeliveriesAsync(jobId)).Single().Attempts == 0; i++)
        {
            await Task.Delay(100);
        }

        await page.GetByTestId("desk-deliveries-refresh").ClickAsync();
        await Expect(page.GetByTestId("desk-deliveries")).ToContainTextAsync("The helpdesk answered 503 Service Unavailable.");
        await Expect(page.GetByTestId("desk-delivery-status").First).ToContainTextAsync("Waiting to retry");
        Assert.DoesNotContain(Token, await page.ContentAsync(), StringComparison.Ordinal);
        await BrowserSession.ScreenshotAsync(page, "desk-01-failed-attachment");

        await page.GetByTestId("desk-retry").First.ClickAsync();
        await receiver.WaitForAsync(r => r.Any(x => x.TicketId == ticket && x.AnsweredWith == 201), TimeSpan.FromSeconds(30));
        for (var i = 0; i < 100 && (await desk.ListDeliveriesAsync(jobId)).Single().Status != DeskDeliveryStatus.Delivered; i++)
        {
            await Task.Delay(100);
        }

        await page.GetByTestId("desk-deliveries-refresh").ClickAsync();
        await Expect(page.GetByTestId("desk-delivery-status").First).ToContainTextAsync("Attached");
        await Expect(page.GetByTestId("desk-delivery-attempts").First).ToHaveTextAsync("2");
        await BrowserSession.ScreenshotAsync(page, "desk-02-retried");
    }
}
