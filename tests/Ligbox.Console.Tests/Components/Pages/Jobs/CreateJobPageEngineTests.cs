using Bunit;
using Ligbox.Console.Components.Pages.Jobs;
using Ligbox.Console.Tests.Runs;
using Ligbox.Core.Jobs;
using MudBlazor;

namespace Ligbox.Console.Tests.Components.Pages.Jobs;

/// <summary>The create-job form on a host where imapsync is not installed.</summary>
public class CreateJobPageEngineTests(ImapsyncMissingTests.Fixture app) : IClassFixture<ImapsyncMissingTests.Fixture>, IAsyncDisposable
{
    private readonly PageTestContext _ctx = new(app);

    [Fact]
    public async Task WarnsThatImapsyncIsMissing_OnlyWhenTheImapsyncEngineIsChosen()
    {
        var cut = _ctx.RenderPage<CreateJobPage>();
        Assert.Empty(cut.FindAll("[data-testid=imapsync-missing]"));

        var engine = cut.FindComponent<MudSelect<SyncEngineKind>>();
        await cut.InvokeAsync(() => engine.Instance.ValueChanged.InvokeAsync(SyncEngineKind.Imapsync));

        var warning = cut.Find("[data-testid=imapsync-missing]").TextContent;
        Assert.Contains("imapsync is not installed on this console host", warning, StringComparison.Ordinal);
        Assert.Contains("scripts/install-migration-tools.sh", warning, StringComparison.Ordinal);
        Assert.Contains("native engine", warning, StringComparison.Ordinal);

        await cut.InvokeAsync(() => engine.Instance.ValueChanged.InvokeAsync(SyncEngineKind.Native));
        Assert.Empty(cut.FindAll("[data-testid=imapsync-missing]"));
    }

    [Fact]
    public async Task OffersDoveadm_AndSaysWhyItCannotWorkOnThisHost()
    {
        var cut = _ctx.RenderPage<CreateJobPage>();
        Assert.Empty(cut.FindAll("[data-testid=doveadm-note]"));

        var engine = cut.FindComponent<MudSelect<SyncEngineKind>>();
        await cut.InvokeAsync(() => engine.Instance.ValueChanged.InvokeAsync(SyncEngineKind.Doveadm));

        var warning = cut.Find("[data-testid=doveadm-note]").TextContent;
        Assert.Contains("The Dovecot configuration /nonexistent/ligbox/dovecot.conf (Tools:Doveadm:ConfigFile) does not exist on this host", warning, StringComparison.Ordinal);
        Assert.Contains("native engine", warning, StringComparison.Ordinal);
    }

    public ValueTask DisposeAsync() => _ctx.DisposeAsync();
}
