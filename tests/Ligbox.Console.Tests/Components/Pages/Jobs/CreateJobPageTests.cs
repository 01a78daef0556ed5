using Bunit;
using Bunit.TestDoubles;
using Ligbox.Console.Components.Pages.Jobs;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Jobs;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Ligbox.Console.Tests.Components.Pages.Jobs;

public class CreateJobPageTests(LigboxAppFactory app) : IClassFixture<LigboxAppFactory>, IAsyncDisposable
{
    // Tests run in parallel on a small machine; the search field also waits out its 300 ms debounce.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly PageTestContext _ctx = new(app);

    [Fact]
    public void ShowsDomainAndHostErrors_WhenSubmittedEmpty()
    {
        var cut = _ctx.RenderPage<CreateJobPage>();

        cut.Find("form").Submit();

        Assert.Contains("Enter the customer's mail domain, e.g. example.com.", cut.Markup);
        Assert.Contains("Enter the IMAP server's host name", cut.Markup);
        Assert.NotNull(cut.Find("[data-testid=form-error]"));
    }

    [Fact]
    public void ShowsDomainError_WhenDomainIsNotADomain()
    {
        var cut = _ctx.RenderPage<CreateJobPage>();
        FillValid(cut, "not a domain");

        cut.Find("form").Submit();

        Assert.Contains("That is not a domain name", cut.Markup);
    }

    [Fact]
    public void ShowsPortError_WhenPortOutOfRange()
    {
        var cut = _ctx.RenderPage<CreateJobPage>();
        FillValid(cut, "portcheck.example");
        cut.Input("source-port").Change("70000");

        cut.Find("form").Submit();

        Assert.Contains("The port must be between 1 and 65535", cut.Markup);
        Assert.DoesNotContain("/migration/jobs/", _ctx.Services.GetRequiredService<NavigationManager>().Uri);
    }

    [Fact]
    public void ShowsServerErrorOnField_WhenServiceRejectsHost()
    {
        var cut = _ctx.RenderPage<CreateJobPage>();
        FillValid(cut, "serverside.example");
        cut.Input("destination-host").Change("bad_host!");

        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Contains("Enter the IMAP server's host name or IP address", cut.Markup), Patience);
        Assert.DoesNotContain("/migration/jobs/", _ctx.Services.GetRequiredService<NavigationManager>().Uri);
    }

    [Fact]
    public async Task SetsPort143_WhenStartTlsChosen()
    {
        var cut = _ctx.RenderPage<CreateJobPage>();
        var security = cut.FindComponents<MudSelect<ImapSecurityMode>>()[0];

        await cut.InvokeAsync(() => security.Instance.ValueChanged.InvokeAsync(ImapSecurityMode.StartTls));

        Assert.Equal("143", cut.Input("source-port").GetAttribute("value"));
    }

    [Fact]
    public async Task CreatesJobAndNavigatesToIt_WhenFormIsValid()
    {
        var cut = _ctx.RenderPage<CreateJobPage>();
        FillValid(cut, "Valid-Customer.example");
        cut.Input("ticket").Change("HD-77");
        cut.Input("exclude").Change("Junk,\nTrash");

        cut.Find("form").Submit();

        var navigation = (BunitNavigationManager)_ctx.Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.Matches("/migration/jobs/[0-9a-f-]{36}$", navigation.Uri), Patience);
        var id = Guid.Parse(navigation.Uri[^36..]);
        await using var scope = app.Services.CreateAsyncScope();
        var job = await scope.ServiceProvider.GetRequiredService<JobService>().GetAsync(id);
        Assert.Equal("valid-customer.example", job.Domain);
        Assert.Equal("HD-77", job.TicketId);
        Assert.Equal(["Junk", "Trash"], job.Options.ExcludeFolders);
        Assert.Equal(PageTestContext.UserName, job.CreatedBy);
    }

    [Fact]
    public async Task CreatesJobThatMirrorsOnFinal_WhenTheBoxIsTicked()
    {
        var cut = _ctx.RenderPage<CreateJobPage>();
        FillValid(cut, "mirror-customer.example");
        Assert.Contains("Deletes on the destination only messages Ligbox copied that were deleted on the source.", cut.Markup);
        var mirror = cut.FindComponent<MudCheckBox<bool>>();
        await cut.InvokeAsync(() => mirror.Instance.ValueChanged.InvokeAsync(true));

        cut.Find("form").Submit();

        var navigation = (BunitNavigationManager)_ctx.Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.Matches("/migration/jobs/[0-9a-f-]{36}$", navigation.Uri), Patience);
        await using var scope = app.Services.CreateAsyncScope();
        var job = await scope.ServiceProvider.GetRequiredService<JobService>().GetAsync(Guid.Parse(navigation.Uri[^36..]));
        Assert.True(job.Options.MirrorOnFinal);
    }

    private static void FillValid(IRenderedComponent<CreateJobPage> cut, string domain)
    {
        cut.Input("domain").Change(domain);
        cut.Input("source-host").Change("imap.old.example");
        cut.Input("destination-host").Change("imap.new.example");
    }

    public ValueTask DisposeAsync() => _ctx.DisposeAsync();
}
