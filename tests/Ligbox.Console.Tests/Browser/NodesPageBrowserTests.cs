using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Console.Tests.Nodes;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Browser;

/// <summary>The Nodes admin page in a real browser (issue 17): reached from the menu, this node alive beside a worker that stopped answering.</summary>
public class NodesPageBrowserTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task AnAdminSeesTheNodes_FromTheMenu()
    {
        await NodeRows.AddWorkerWithARunAsync(session.App.Services, "worker-2", DateTime.UtcNow.AddMinutes(-3));
        var page = await session.SignInAsync(LigboxAppFactory.AdminEmail, LigboxAppFactory.AdminPassword, "/admin/users");

        await page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "Nodes" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/admin/nodes$"));
        var table = page.GetByTestId("nodes-table");
        await Expect(table).ToContainTextAsync("(this node)");
        await Expect(table).ToContainTextAsync("worker-2");
        await Expect(table).ToContainTextAsync("not answering");
        await BrowserSession.ScreenshotAsync(page, "nodes-01-admin-page");
    }
}
