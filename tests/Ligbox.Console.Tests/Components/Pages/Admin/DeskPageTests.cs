using System.Globalization;
using Bunit;
using Ligbox.Console.Components.Pages.Admin;
using Ligbox.Console.Tests.Desk;
using Ligbox.Console.Tests.Gate;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Core.Desk;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Components.Pages.Admin;

/// <summary>
/// The helpdesk admin page on the real Core services and the real delivery sender, with a real local helpdesk
/// stand-in (Kestrel) behind "Test connection" and the attachments. The automatic retry waits an hour here,
/// so only the page's "Retry now" can deliver within the test.
/// </summary>
public class DeskPageTests(DeskPageTests.Fixture app) : IClassFixture<DeskPageTests.Fixture>, IAsyncLifetime
{
    private const string Token = "desk-page-token-93aa";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly PageTestContext _ctx = new(app);
    private DeskReceiver _receiver = null!;

    public sealed class Fixture : LigboxAppFactory
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

    public async Task InitializeAsync()
    {
        _receiver = await DeskReceiver.StartAsync();
        _receiver.AcceptedAuthorization = "Bearer " + Token;
        _ctx.Auth.SetRoles(Roles.Admin);
    }

    public async Task DisposeAsync()
    {
        await _ctx.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task SavesTheConnection_TokenWriteOnly_TestsIt_AndRetryNowAttachesAFailedReport()
    {
        var cut = _ctx.RenderPage<DeskPage>();
        cut.WaitForAssertion(() => Assert.Contains("Token: not set", cut.Find("[data-testid=desk-token-state]").TextContent), Patience);

        // A bad address is refused on its field; nothing is saved.
        cut.Input("desk-base-url").Input("ftp://desk.example");
        await cut.Find("[data-testid=desk-save]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Contains("absolute http:// or https:// address", cut.Find("[data-testid=desk-form]").TextContent), Patience);

        cut.Input("desk-base-url").Input(_receiver.BaseUrl);
        cut.Input("desk-token").Input(Token);
        cut.Find("input[data-testid=desk-enabled], [data-testid=desk-enabled] input").Change(true);
        await cut.Find("[data-testid=desk-save]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Contains("Token: set", cut.Find("[data-testid=desk-token-state]").TextContent), Patience);
        var saved = await app.Services.GetRequiredService<DeskService>().GetConnectionAsync();
        Assert.True(saved is { Enabled: true, HasToken: true }, saved.ToString());
        Assert.Equal(_receiver.BaseUrl, saved.BaseUrl);
        Assert.Equal("", cut.Input("desk-token").GetAttribute("value") ?? "");
        Assert.DoesNotContain(Token, cut.Markup, StringComparison.Ordinal);

        await cut.Find("[data-testid=desk-test]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Contains("it is reachable and accepted the token", cut.Find("[data-testid=desk-test-result]").TextContent), Patience);

        // A report whose first attempt failed is listed with its error, and goes out on "Retry now".
        var ticket = "DP-" + Random.Shared.Next(1000, 9999);
        var jobId = await GateSeed.ReadyJobAsync(app.Services, $"deskp-{Guid.NewGuid():N}"[..14] + ".example.com", ticket);
        _receiver.Statuses.Enqueue(502);
        var desk = app.Services.GetRequiredService<DeskService>();
        await desk.RequestAttachAsync(jobId, LigboxAppFactory.AdminEmail);
        await WaitAsync(async () => (await desk.ListDeliveriesAsync(jobId)).Single().Attempts == 1);
        await cut.Find("[data-testid=desk-deliveries-refresh]").ClickAsync(new());
        cut.WaitForAssertion(() =>
        {
            var table = cut.Find("[data-testid=desk-deliveries]").TextContent;
            Assert.Contains("The helpdesk answered 502 Bad Gateway.", table, StringComparison.Ordinal);
            Assert.Contains("Waiting to retry", table, StringComparison.Ordinal);
            Assert.Contains(ticket, table, StringComparison.Ordinal);
        }, Patience);

        await cut.Find("[data-testid=desk-retry]").ClickAsync(new());
        await WaitAsync(async () => (await desk.ListDeliveriesAsync(jobId)).Single().Status == DeskDeliveryStatus.Delivered);
        await cut.Find("[data-testid=desk-deliveries-refresh]").ClickAsync(new());
        cut.WaitForAssertion(() =>
        {
            Assert.Contains("Attached", cut.Find("[data-testid=desk-delivery-status]").TextContent, StringComparison.Ordinal);
            Assert.Empty(cut.FindAll("[data-testid=desk-retry]"));
        }, Patience);
        Assert.Equal([502, 201], _receiver.Received.Where(r => r.TicketId == ticket).Select(r => r.AnsweredWith));
        Assert.Equal(2, (await desk.ListDeliveriesAsync(jobId)).Single().Attempts);
    }

    [Fact]
    public void SpeaksPortuguese_WhenTheUserDoes()
    {
        var before = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("pt-PT");
        try
        {
            var cut = _ctx.RenderPage<DeskPage>();
            cut.WaitForAssertion(() =>
            {
                Assert.Contains("Testar ligação", cut.Find("[data-testid=desk-test]").TextContent, StringComparison.Ordinal);
                Assert.Contains("Anexos do relatório", cut.Markup, StringComparison.Ordinal);
            }, Patience);
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = before;
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> done)
    {
        var until = DateTime.UtcNow + Patience;
        while (!await done())
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException("The attachment did not reach the expected state.");
            }

            await Task.Delay(100);
        }
    }
}
