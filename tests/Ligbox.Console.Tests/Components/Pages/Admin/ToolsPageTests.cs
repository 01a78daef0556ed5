using Bunit;
using Ligbox.Console.Components.Pages.Admin;
using Ligbox.Tools.Inventory;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace Ligbox.Console.Tests.Components.Pages.Admin;

public class ToolsPageTests
{
    private sealed class FixedInventory(params ToolStatus[] tools) : IToolInventory
    {
        public Task<IReadOnlyList<ToolStatus>> DetectAsync(CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<ToolStatus>>(tools);
    }

    private static IRenderedComponent<ToolsPage> Render(IToolInventory inventory, BunitContext ctx)
    {
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        ctx.Services.AddLocalization();
        ctx.Services.AddSingleton(inventory);
        ctx.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        return ctx.Render<ToolsPage>();
    }

    [Fact]
    public async Task ShowsRealReadpstAndDoveadmVersions_FromTheRealInventory()
    {
        await using var ctx = new BunitContext();
        await using var app = new Infrastructure.LigboxAppFactory();
        var cut = Render(app.Services.GetRequiredService<IToolInventory>(), ctx);
        cut.WaitForAssertion(() =>
        {
            var rows = cut.FindAll("[data-testid='tools-table'] tbody tr");
            Assert.Contains(rows, r => r.TextContent.Contains("readpst") && r.TextContent.Contains("installed") && r.TextContent.Contains("0.6"));
            Assert.Contains(rows, r => r.TextContent.Contains("doveadm") && r.TextContent.Contains("installed"));
        }, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task TellsWhatToDo_WhenAToolIsMissing()
    {
        await using var ctx = new BunitContext();
        var cut = Render(new FixedInventory(new ToolStatus("imapsync", false, null, null, "Run scripts/install-migration-tools.sh", null)), ctx);
        cut.WaitForAssertion(() =>
        {
            var row = cut.Find("[data-testid='tools-table'] tbody tr");
            Assert.Contains("missing", row.TextContent);
            Assert.Contains("install-migration-tools.sh", row.TextContent);
        });
    }
}
