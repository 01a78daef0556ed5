using System.Globalization;
using Bunit;
using Ligbox.Console.Components.Pages.Admin;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Console.Tests.Nodes;
using Ligbox.Core.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace Ligbox.Console.Tests.Components.Pages.Admin;

/// <summary>The Nodes admin page (issue 17) on the real node service of a console host: its own heartbeat and another node's.</summary>
public sealed class NodesPageTests(LigboxAppFactory app) : IClassFixture<LigboxAppFactory>
{
    private IRenderedComponent<NodesPage> Render(BunitContext ctx)
    {
        var scope = app.Services.CreateScope();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        ctx.Services.AddLocalization();
        ctx.Services.AddSingleton(scope.ServiceProvider.GetRequiredService<NodeService>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<IOptions<NodeOptions>>());
        ctx.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        return ctx.Render<NodesPage>();
    }

    [Fact]
    public async Task ListsThisNodeAlive_AndAWorkerThatStoppedAnswering_WithItsRunAndHeartbeat()
    {
        var lastBeat = new DateTime(2026, 12, 4, 9, 15, 30, DateTimeKind.Utc);
        await NodeRows.AddWorkerWithARunAsync(app.Services, "worker-bunit", lastBeat);
        await using var ctx = new BunitContext();

        var cut = Render(ctx);

        cut.WaitForAssertion(() =>
        {
            var rows = cut.FindAll("[data-testid='nodes-table'] tbody tr");
            var self = Assert.Single(rows, r => r.TextContent.Contains(Environment.MachineName, StringComparison.Ordinal));
            Assert.Contains("(this node)", self.TextContent, StringComparison.Ordinal);
            Assert.Contains("alive", self.TextContent, StringComparison.Ordinal);
            Assert.Contains("all: UI, API and runs", self.TextContent, StringComparison.Ordinal);
            var worker = Assert.Single(rows, r => r.TextContent.Contains("worker-bunit", StringComparison.Ordinal));
            Assert.Contains("not answering", worker.TextContent, StringComparison.Ordinal);
            Assert.Contains("worker: runs only", worker.TextContent, StringComparison.Ordinal);
            Assert.Equal("1", worker.QuerySelector("[data-testid='node-runs']")!.TextContent.Trim());
            Assert.Contains("2 runs, 8 mailboxes at once", worker.TextContent, StringComparison.Ordinal);
            // The heartbeat through <LocalTime>: the UTC instant in the datetime attribute, shown in the reader's zone.
            var time = worker.QuerySelector("[data-testid='node-heartbeat']")!;
            Assert.Equal("2026-12-04T09:15:30Z", time.GetAttribute("datetime"));
            Assert.Equal(lastBeat.ToString("G", CultureInfo.CurrentCulture), time.TextContent);
        }, TimeSpan.FromSeconds(20));
    }
}
