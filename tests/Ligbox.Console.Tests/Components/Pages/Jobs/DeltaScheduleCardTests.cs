using Bunit;
using Ligbox.Console.Auth;
using Ligbox.Console.Components.Pages.Jobs.Components;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Jobs;
using Ligbox.Core.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Ligbox.Console.Tests.Components.Pages.Jobs;

/// <summary>The "Scheduled delta sync" card on real Core services and a real SQLite file.</summary>
public class DeltaScheduleCardTests(LigboxAppFactory app) : IClassFixture<LigboxAppFactory>, IAsyncDisposable
{
    private readonly PageTestContext _ctx = new(app);

    private async Task<JobDto> NewJobAsync(string domain)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<JobService>().CreateAsync(new CreateJobRequest
        {
            Domain = domain,
            Source = new() { Host = "imap.old.example.com", Port = 993 },
            Destination = new() { Host = "mail.ligbox.example", Port = 993 },
        }, LigboxAppFactory.AdminEmail);
    }

    private IRenderedComponent<DeltaScheduleCard> Render(JobDto job)
    {
        var host = _ctx.Render(b =>
        {
            b.OpenComponent<MudPopoverProvider>(0);
            b.CloseComponent();
            b.OpenComponent<MudSnackbarProvider>(1);
            b.CloseComponent();
            b.OpenComponent<DeltaScheduleCard>(2);
            b.AddAttribute(3, nameof(DeltaScheduleCard.Job), job);
            b.CloseComponent();
        });
        var cut = host.FindComponent<DeltaScheduleCard>();
        // The card reads the schedule after its first render: wait for it, not for the machine to be quick.
        cut.WaitForElement("[data-testid=schedule-next]", TimeSpan.FromSeconds(10));
        return cut;
    }

    private static bool IsDisabled(IRenderedComponent<DeltaScheduleCard> cut, string testId) =>
        cut.Find($"[data-testid='{testId}']").HasAttribute("disabled") || cut.Input(testId).HasAttribute("disabled");

    [Fact]
    public async Task IsLocked_WithAnExplanation_ForAUserWithoutCanManageMigration()
    {
        var job = await NewJobAsync("sched-noperm.example.com");

        var cut = Render(job);

        Assert.Contains("Only users with the can_manage_migration permission", cut.Find("[data-testid=schedule-locked]").TextContent);
        Assert.True(cut.Find("[data-testid=schedule-save]").HasAttribute("disabled"));
        Assert.True(cut.Input("schedule-enabled").HasAttribute("disabled"));
    }

    [Fact]
    public async Task TheNextAndLastLines_KeepTheSpaceAfterTheirLabel()
    {
        // Razor drops the whitespace before an @if block: the card read "Next run:none — the schedule is off".
        var job = await NewJobAsync("sched-lines.example.com");

        var cut = Render(job);

        Assert.Equal("Next run: none — the schedule is off", cut.Words("schedule-next"));
        Assert.Equal("Last scheduled pass: none yet.", cut.Words("schedule-last"));
    }

    [Fact]
    public async Task IsLocked_ForACancelledJob()
    {
        _ctx.Auth.SetPolicies(Policies.CanManageMigration);
        var job = await NewJobAsync("sched-closed.example.com");
        await using (var scope = app.Services.CreateAsyncScope())
        {
            job = await scope.ServiceProvider.GetRequiredService<JobService>().CancelAsync(job.Id, "test", LigboxAppFactory.AdminEmail);
        }

        var cut = Render(job);

        Assert.Contains("no scheduled delta sync runs for it any more", cut.Find("[data-testid=schedule-locked]").TextContent);
        Assert.True(cut.Find("[data-testid=schedule-save]").HasAttribute("disabled"));
        Assert.True(IsDisabled(cut, "schedule-hours"));
    }

    [Fact]
    public async Task Save_ShowsTheCronError_UnderTheField_ThenSavesAGoodOne_WithItsNextRun()
    {
        _ctx.Auth.SetPolicies(Policies.CanManageMigration);
        var job = await NewJobAsync("sched-save.example.com");
        var cut = Render(job);
        Assert.Throws<ElementNotFoundException>(() => cut.Find("[data-testid=schedule-locked]"));
        Assert.Contains("none yet", cut.Find("[data-testid=schedule-last]").TextContent);

        cut.Input("schedule-enabled").Change(true);
        cut.Find("input[data-testid=schedule-mode-cron]").Click();
        cut.Input("schedule-cron").Change("0 */6 * * *");
        await cut.Find("[data-testid=schedule-save]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("is not a valid cron expression", cut.Markup));
        await using (var scope = app.Services.CreateAsyncScope())
        {
            Assert.False((await scope.ServiceProvider.GetRequiredService<DeltaScheduleService>().GetAsync(job.Id)).Enabled);
        }

        cut.Input("schedule-cron").Change("0 0 */6 * * ?");
        await cut.Find("[data-testid=schedule-save]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=schedule-next-utc]")));
        Assert.DoesNotContain("is not a valid cron expression", cut.Markup);
        await using var check = app.Services.CreateAsyncScope();
        var saved = await check.ServiceProvider.GetRequiredService<DeltaScheduleService>().GetAsync(job.Id);
        Assert.True(saved.Enabled);
        Assert.Equal("0 0 */6 * * ?", saved.Cron);
        // Shown in the person's zone and culture (issue 16); the UTC instant stays in the markup.
        Assert.Equal(saved.NextFireTimeUtc!.Value.ToString("yyyy-MM-ddTHH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            cut.Find("[data-testid=schedule-next-utc]").GetAttribute("datetime"));
        await check.ServiceProvider.GetRequiredService<DeltaScheduleService>().UpdateAsync(job.Id, new UpdateDeltaScheduleRequest(false), "test");
    }

    public ValueTask DisposeAsync() => _ctx.DisposeAsync();
}
