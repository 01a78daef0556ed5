using Bunit;
using Bunit.TestDoubles;
using Ligbox.Console.Components.Pages.Jobs;
using Ligbox.Console.Components.Pages.Jobs.Components;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Jobs;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Components.Pages.Jobs;

/// <summary>The create form's provider presets: choosing one fills the fields, visibly and editable, and the job keeps what the form shows.</summary>
public class CreateJobPagePresetTests(LigboxAppFactory app) : IClassFixture<LigboxAppFactory>, IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly PageTestContext _ctx = new(app);

    private static Task ChooseAsync(IRenderedComponent<CreateJobPage> cut, int side, string presetId) =>
        cut.InvokeAsync(() => cut.FindComponents<ProviderPresetSelect>()[side].Instance.ValueChanged.InvokeAsync(presetId));

    [Fact]
    public async Task GmailAsSource_FillsHostTlsOAuthFoldersToSkipAndThrottling_IntoTheForm()
    {
        var cut = _ctx.RenderPage<CreateJobPage>();

        await ChooseAsync(cut, 0, "gmail");

        Assert.Equal("imap.gmail.com", cut.Input("source-host").GetAttribute("value"));
        Assert.Equal("993", cut.Input("source-port").GetAttribute("value"));
        // The source's server fields are bound to this model: TLS and the OAuth login show there.
        var source = cut.FindComponents<ServerFields>()[0].Instance.Model;
        Assert.Equal((ImapSecurityMode.Ssl, ImapAuthMode.XOAuth2), (source.Security, source.Auth));
        var exclude = cut.Input("exclude").GetAttribute("value") ?? cut.Input("exclude").TextContent;
        Assert.Contains("[Gmail]/All Mail", exclude);
        Assert.Contains("[Gmail]/Starred", exclude);
        Assert.Equal("40", cut.Input("max-kb-per-second").GetAttribute("value"));
        Assert.Equal("10", cut.Input("max-mailboxes").GetAttribute("value"));
        Assert.Contains("copied twice", cut.Find("[data-testid=source-preset-description]").TextContent);
    }

    [Fact]
    public async Task CreatesTheJobWithThePresetsSettings_AndTheTechniciansEdits()
    {
        var cut = _ctx.RenderPage<CreateJobPage>();
        cut.Input("domain").Change("preset-customer.example");
        await ChooseAsync(cut, 0, "gmail");
        await ChooseAsync(cut, 1, "microsoft365");
        // Editable: the technician lowers the rate the presets filled in.
        cut.Input("max-messages-per-second").Change("2");

        cut.Find("form").Submit();

        var navigation = (BunitNavigationManager)_ctx.Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.Matches("/migration/jobs/[0-9a-f-]{36}$", navigation.Uri), Patience);
        await using var scope = app.Services.CreateAsyncScope();
        var job = await scope.ServiceProvider.GetRequiredService<JobService>().GetAsync(Guid.Parse(navigation.Uri[^36..]));
        Assert.Equal(("imap.gmail.com", 993, ImapSecurityMode.Ssl, ImapAuthMode.XOAuth2), (job.Source!.Host, job.Source.Port, job.Source.Security, job.Source.Auth));
        Assert.Equal("outlook.office365.com", job.Destination.Host);
        Assert.Equal(ProviderPresets.GmailVirtualFolders, job.Options.ExcludeFolders);
        Assert.Equal(10, job.Options.MaxConcurrentMailboxes);
        Assert.Equal(2, job.Options.MaxMessagesPerSecond);
        Assert.Equal(40_000, job.Options.MaxBytesPerSecond);
    }

    [Fact]
    public async Task SwitchingTheSourceFromGmailToDovecot_TakesGmailsFoldersAndHostBackOut()
    {
        var cut = _ctx.RenderPage<CreateJobPage>();
        await ChooseAsync(cut, 0, "gmail");

        await ChooseAsync(cut, 0, "dovecot");

        Assert.Equal("", cut.Input("source-host").GetAttribute("value") ?? "");
        Assert.DoesNotContain("Gmail", cut.Input("exclude").GetAttribute("value") ?? "");
        Assert.True(string.IsNullOrEmpty(cut.Input("max-kb-per-second").GetAttribute("value")));
    }

    [Fact]
    public void SaysWhatIsWrong_WhenAThrottleIsNotPositive()
    {
        var cut = _ctx.RenderPage<CreateJobPage>();
        cut.Input("domain").Change("bad-throttle.example");
        cut.Input("source-host").Change("imap.old.example");
        cut.Input("destination-host").Change("imap.new.example");
        cut.Input("max-mailboxes").Change("0");

        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Contains("Enter 1 to 1000 mailboxes at once, or leave it empty for no job limit.", cut.Markup), Patience);
    }

    public ValueTask DisposeAsync() => _ctx.DisposeAsync();
}
