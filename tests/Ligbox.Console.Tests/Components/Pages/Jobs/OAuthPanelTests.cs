using Bunit;
using Ligbox.Console.Components.Pages.Jobs.Components;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.OAuth;
using Ligbox.Tools.NativeImap;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Ligbox.Console.Tests.Components.Pages.Jobs;

/// <summary>
/// The job page's OAuth panel on a tenant-sized job (issue 11's large jobs, issue 15's OAuth): the mailboxes' sign-in
/// states are shown a page at a time with how many are authorized, not as one table of every mailbox (real Core
/// services, real SQLite).
/// </summary>
public sealed class OAuthPanelTests(LigboxAppFactory app) : IClassFixture<LigboxAppFactory>, IAsyncDisposable
{
    private const int Mailboxes = 60;
    private readonly PageTestContext _ctx = new(app);

    public ValueTask DisposeAsync() => _ctx.DisposeAsync();

    [Fact]
    public async Task A_job_of_many_mailboxes_lists_25_per_page_with_the_authorized_count()
    {
        var job = await OAuthJobAsync();
        var host = _ctx.Render(b =>
        {
            b.OpenComponent<MudPopoverProvider>(0);
            b.CloseComponent();
            b.OpenComponent<OAuthPanel>(1);
            b.AddAttribute(2, "Job", job);
            b.CloseComponent();
        });

        host.WaitForAssertion(() => Assert.Equal(25, host.FindAll("[data-testid=oauth-mailbox]").Count), TimeSpan.FromSeconds(10));
        Assert.Equal("0 of 60 mailbox(es) authorized", host.Find("[data-testid=oauth-source-count]").TextContent.Trim());
        Assert.Equal(Login(0), host.FindAll("[data-testid=oauth-mailbox]")[0].GetAttribute("data-login"));
        Assert.Equal(Login(24), host.FindAll("[data-testid=oauth-mailbox]")[24].GetAttribute("data-login"));

        // The last page holds the remaining 10, in the same order.
        host.FindAll("[data-testid=oauth-source-pager] button").Single(b => b.TextContent.Trim() == "3").Click();
        host.WaitForAssertion(() => Assert.Equal(10, host.FindAll("[data-testid=oauth-mailbox]").Count));
        Assert.Equal(Login(50), host.FindAll("[data-testid=oauth-mailbox]")[0].GetAttribute("data-login"));
        Assert.Equal(Login(59), host.FindAll("[data-testid=oauth-mailbox]")[9].GetAttribute("data-login"));
    }

    private static string Login(int i) => $"user{i:D3}@tenant.example";

    private async Task<JobDto> OAuthJobAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var jobs = scope.ServiceProvider.GetRequiredService<JobService>();
        var job = await jobs.CreateAsync(new CreateJobRequest
        {
            Domain = $"oauth-{Guid.NewGuid():N}"[..20] + ".example.com",
            Source = new() { Host = "outlook.office365.example", Port = 993, Auth = ImapAuthMode.XOAuth2 },
            Destination = new() { Host = "mail.ligbox.example", Port = 993 },
        }, LigboxAppFactory.AdminEmail);
        var mailboxes = scope.ServiceProvider.GetRequiredService<MailboxService>();
        // Added in reverse: the panel orders by login, not by when a mailbox was added.
        for (var i = Mailboxes - 1; i >= 0; i--)
        {
            await mailboxes.AddAsync(job.Id, new AddMailboxRequest { SourceUser = Login(i), DestUser = Login(i), DestPassword = "dst-pw" }, LigboxAppFactory.AdminEmail);
        }

        await scope.ServiceProvider.GetRequiredService<OAuthService>().SaveSettingsAsync(job.Id, ImapSide.Source, new OAuthSettingsModel
        {
            Provider = OAuthProviderKind.OpenIdConnect,
            Authority = "https://id.tenant.example/",
            ClientId = "console-app",
            ClientSecret = "client-secret",
        }, LigboxAppFactory.AdminEmail);
        return await jobs.GetAsync(job.Id);
    }
}
