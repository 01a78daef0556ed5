using Bunit;
using Bunit.TestDoubles;
using Ligbox.Console.Components.Pages.Jobs;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Jobs;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Ligbox.Console.Tests.Components.Pages.Jobs;

/// <summary>The create form's trusted-certificate (SHA-256 pin) field of each server.</summary>
public class CreateJobPageCertificateTests(LigboxAppFactory app) : IClassFixture<LigboxAppFactory>, IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private const string Pin = "3A:5F:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD";

    private readonly PageTestContext _ctx = new(app);

    [Fact]
    public async Task CreatesAJobTrustingTheSourceCertificate_WhenAFingerprintIsPasted()
    {
        var cut = _ctx.RenderPage<CreateJobPage>();
        cut.Input("domain").Change("pinned-customer.example");
        cut.Input("source-host").Change("imap.old.example");
        cut.Input("destination-host").Change("imap.new.example");
        cut.Input("source-certificate").Change(Pin.ToLowerInvariant());

        cut.Find("form").Submit();

        var navigation = (BunitNavigationManager)_ctx.Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.Matches("/migration/jobs/[0-9a-f-]{36}$", navigation.Uri), Patience);
        await using var scope = app.Services.CreateAsyncScope();
        var job = await scope.ServiceProvider.GetRequiredService<JobService>().GetAsync(Guid.Parse(navigation.Uri[^36..]));
        Assert.Equal(Pin, job.Source!.CertificateSha256);
        Assert.Null(job.Destination.CertificateSha256);
    }

    [Fact]
    public void SaysWhatAFingerprintLooksLike_WhenThePastedTextIsNotOne()
    {
        var cut = _ctx.RenderPage<CreateJobPage>();
        cut.Input("domain").Change("badpin.example");
        cut.Input("source-host").Change("imap.old.example");
        cut.Input("destination-host").Change("imap.new.example");
        cut.Input("destination-certificate").Change("AB:CD:EF");

        cut.Find("form").Submit();

        Assert.Contains("Paste the SHA-256 fingerprint as Test connection showed it: 64 hex digits (colons allowed), or leave it empty.", cut.Markup);
        Assert.DoesNotContain("/migration/jobs/", _ctx.Services.GetRequiredService<NavigationManager>().Uri);
    }

    [Fact]
    public async Task HidesTheField_WhenTheServerIsNotEncrypted()
    {
        var cut = _ctx.RenderPage<CreateJobPage>();
        Assert.NotEmpty(cut.FindAll("[data-testid=destination-certificate]"));
        var security = cut.FindComponents<MudSelect<ImapSecurityMode>>()[1];

        await cut.InvokeAsync(() => security.Instance.ValueChanged.InvokeAsync(ImapSecurityMode.None));

        Assert.Empty(cut.FindAll("[data-testid=destination-certificate]"));
        Assert.NotEmpty(cut.FindAll("[data-testid=source-certificate]"));
    }

    public ValueTask DisposeAsync() => _ctx.DisposeAsync();
}
