using Bunit;
using Ligbox.Console.Components.Pages.Jobs.Components;
using Ligbox.Console.Tests.Gate;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Audit;
using Ligbox.Core.Gate;
using Ligbox.Core.Jobs;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Ligbox.Console.Tests.Components.Pages.Jobs;

/// <summary>
/// Issue 11: the job settings dialog edits the name, the ticket and the folder mappings too (JobService.UpdateAsync,
/// as PATCH), audited; a new name or ticket keeps an approved gate, changed mappings revoke it; a wrong mapping line
/// is refused in words and nothing is saved.
/// </summary>
public class JobSettingsDialogTests(LigboxAppFactory app) : IClassFixture<LigboxAppFactory>, IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);
    private readonly PageTestContext _ctx = new(app);

    [Fact]
    public async Task NameAndTicket_SaveWithoutRevokingTheGate_ThenMappings_SaveAndRevokeIt()
    {
        var (id, domain) = await ApprovedJobAsync();

        var (host, result) = await OpenAsync(id);
        Assert.Equal("", ValueOf(host.Input("settings-name")));
        Assert.Equal("HD-1", ValueOf(host.Input("settings-ticket")));
        host.Input("settings-name").Change("Acme mail move");
        host.Input("settings-ticket").Change("HD-2");
        host.Find("[data-testid=settings-save]").Click();
        var saved = Assert.IsType<JobDto>((await result.WaitAsync(Patience))!.Data);
        Assert.Equal("Acme mail move", saved.Name);
        Assert.Equal("HD-2", saved.TicketId);
        var gates = app.Services.GetRequiredService<GateService>();
        Assert.Equal(GateState.Approved, (await gates.GetAsync(id)).State);

        (host, result) = await OpenAsync(id);
        Assert.Equal("Acme mail move", ValueOf(host.Input("settings-name")));
        host.Input("settings-mappings").Change("Old Archive => Archive\nSent Items => Sent");
        host.Find("[data-testid=settings-save]").Click();
        saved = Assert.IsType<JobDto>((await result.WaitAsync(Patience))!.Data);
        Assert.Equal(new Dictionary<string, string> { ["Old Archive"] = "Archive", ["Sent Items"] = "Sent" }, saved.Options.FolderMappings);
        var view = await gates.GetAsync(id);
        Assert.NotEqual(GateState.Approved, view.State);
        Assert.Contains(view.Events, e => e.Action == "gate.revoked"
            && (e.Details ?? "").Contains("folder options (include, exclude, mapping, date window) changed after the approval", StringComparison.Ordinal));
        var audit = await app.Services.GetRequiredService<AuditLog>().ListAsync(id, take: 50);
        Assert.Equal(2, audit.Count(e => e.Action == "job.updated" && e.Actor == PageTestContext.UserName));

        // The mappings come back as they were typed; saving again unchanged writes nothing.
        (host, result) = await OpenAsync(id);
        Assert.Equal("Old Archive => Archive\nSent Items => Sent", ValueOf(host.Input("settings-mappings")));
        host.Find("[data-testid=settings-save]").Click();
        await result.WaitAsync(Patience);
        Assert.Equal(2, (await app.Services.GetRequiredService<AuditLog>().ListAsync(id, take: 50)).Count(e => e.Action == "job.updated"));
        Assert.StartsWith(domain, saved.Domain, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongMappingLine_IsRefusedInWords_AndNothingIsSaved()
    {
        var (id, _) = await ApprovedJobAsync();
        var (host, result) = await OpenAsync(id);
        host.Input("settings-name").Change("Not saved");
        host.Input("settings-mappings").Change("Old Archive => Archive\nJust a folder");
        host.Find("[data-testid=settings-save]").Click();
        host.WaitForAssertion(() => Assert.Contains("Line 2 (\"Just a folder\"): write a mapping as Source folder => Destination folder.",
            host.Find("[data-testid=settings-error]").TextContent, StringComparison.Ordinal), Patience);
        Assert.False(result.IsCompleted);
        var job = await _ctx.Services.GetRequiredService<JobService>().GetAsync(id);
        Assert.NotEqual("Not saved", job.Name);
        Assert.Empty(job.Options.FolderMappings);
        Assert.Equal(GateState.Approved, (await app.Services.GetRequiredService<GateService>().GetAsync(id)).State);
    }

    private async Task<(Guid Id, string Domain)> ApprovedJobAsync()
    {
        var domain = $"dlg-{Guid.NewGuid():N}"[..12] + ".example.com";
        var id = await GateSeed.ReadyJobAsync(app.Services, domain, ticketId: "HD-1");
        Assert.Equal(GateState.Approved, (await app.Services.GetRequiredService<GateService>().ApproveAsync(id, "ops.lead@ligbox.test", "ok", false)).State);
        return (id, domain);
    }

    private IRenderedComponent<Bunit.Rendering.ContainerFragment>? _host;

    /// <summary>Opens the dialog as the job page does (one dialog provider per test); returns the providers and the dialog's result.</summary>
    private async Task<(IRenderedComponent<Bunit.Rendering.ContainerFragment> Host, Task<DialogResult?> Result)> OpenAsync(Guid id)
    {
        var job = await _ctx.Services.GetRequiredService<JobService>().GetAsync(id);
        var host = _host ??= _ctx.Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
        });
        var dialogs = _ctx.Services.GetRequiredService<IDialogService>();
        IDialogReference? reference = null;
        await host.InvokeAsync(async () => reference = await dialogs.ShowAsync<JobSettingsDialog>("Job settings",
            new DialogParameters<JobSettingsDialog> { { d => d.Job, job }, { d => d.Actor, PageTestContext.UserName } }));
        host.WaitForAssertion(() => Assert.Single(host.FindAll("[data-testid=job-settings-dialog]")), Patience);
        return (host, reference!.Result);
    }

    private static string ValueOf(AngleSharp.Dom.IElement field) => field.GetAttribute("value") ?? field.TextContent;

    public ValueTask DisposeAsync() => _ctx.DisposeAsync();
}
