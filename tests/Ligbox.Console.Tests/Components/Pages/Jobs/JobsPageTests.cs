using Bunit;
using Ligbox.Console.Components.Pages.Jobs;
using Ligbox.Console.Components.Shared;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Jobs;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Ligbox.Console.Tests.Components.Pages.Jobs;

/// <summary>A host with 30 jobs: 28 drafts, one with a ticket ("alpha") and one cancelled ("zulu").</summary>
public sealed class JobsPageData : LigboxAppFactory
{
    public const int JobCount = 30;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await using var scope = Services.CreateAsyncScope();
        var jobs = scope.ServiceProvider.GetRequiredService<JobService>();
        await Create(jobs, "alpha.example", "HD-1001");
        for (var i = 0; i < JobCount - 2; i++)
        {
            await Create(jobs, $"customer{i:00}.example", null);
        }

        var zulu = await Create(jobs, "zulu.example", null);
        await jobs.CancelAsync(zulu.Id, "customer withdrew", AdminEmail);
    }

    private static Task<JobDto> Create(JobService jobs, string domain, string? ticket) => jobs.CreateAsync(new CreateJobRequest
    {
        Domain = domain,
        TicketId = ticket,
        Source = new() { Host = "imap.old.example" },
        Destination = new() { Host = "imap.new.example" },
    }, AdminEmail);
}

public class JobsPageTests(JobsPageData app) : IClassFixture<JobsPageData>, IAsyncDisposable
{
    // Tests run in parallel on a small machine; the search field also waits out its 300 ms debounce.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly PageTestContext _ctx = new(app);

    [Fact]
    public void ShowsFirstPageAndTotal_WhenMoreJobsThanOnePage()
    {
        var cut = _ctx.RenderPage<JobsPage>();

        cut.WaitForAssertion(() => Assert.Equal(25, cut.FindAll("[data-testid=job-link]").Count), Patience);
        Assert.Contains($"of {JobsPageData.JobCount}", cut.Markup);
    }

    [Fact]
    public void RendersTicketLinkAndPhaseChips_WhenJobsHaveTicketsAndPhases()
    {
        var cut = _ctx.RenderPage<JobsPage>();
        SetSearch(cut, "alpha");

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=job-link]")), Patience);
        var ticket = cut.Find("[data-testid=ticket-link]");
        Assert.Equal("https://helpdesk.example/tickets/HD-1001", ticket.GetAttribute("href"));
        Assert.Equal("HD-1001", ticket.TextContent.Trim());
        Assert.Equal("Draft", cut.Find("[data-testid=phase-chip]").GetAttribute("data-phase"));
        Assert.EndsWith("/migration/jobs/", cut.Find("[data-testid=job-link]").GetAttribute("href")![..^36]);
    }

    [Fact]
    public async Task ShowsOnlyCancelledJob_WhenPhaseFilterIsCancelled()
    {
        var cut = _ctx.RenderPage<JobsPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=job-link]")), Patience);

        var phase = cut.FindComponent<MudSelect<MigrationPhase?>>();
        await cut.InvokeAsync(() => phase.Instance.ValueChanged.InvokeAsync(MigrationPhase.Cancelled));

        cut.WaitForAssertion(() => Assert.Equal("zulu.example", Assert.Single(cut.FindAll("[data-testid=job-link]")).TextContent.Trim()), Patience);
        var chip = cut.FindComponent<PhaseChip>();
        Assert.Equal(MigrationPhase.Cancelled, chip.Instance.Phase);
        Assert.Equal(Color.Dark, PhaseChip.ColorOf(MigrationPhase.Cancelled));
    }

    [Fact]
    public void ShowsWhatToDo_WhenNoJobMatchesTheFilters()
    {
        var cut = _ctx.RenderPage<JobsPage>();
        SetSearch(cut, "no-such-customer");

        cut.WaitForAssertion(() => Assert.Contains("No job matches these filters", cut.Find("[data-testid=jobs-empty]").TextContent), Patience);
    }

    [Fact]
    public async Task SortsByDomainDescending_WhenDomainColumnSortedDescending()
    {
        var cut = _ctx.RenderPage<JobsPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=job-link]")), Patience);

        var grid = cut.FindComponent<MudDataGrid<JobDto>>();
        await cut.InvokeAsync(() => grid.Instance.SetSortAsync(nameof(JobDto.Domain), SortDirection.Descending, j => j.Domain));

        cut.WaitForAssertion(() => Assert.Equal("zulu.example", cut.FindAll("[data-testid=job-link]")[0].TextContent.Trim()), Patience);
        // zulu, then customer27 down to customer04: 25 rows.
        Assert.Equal("customer04.example", cut.FindAll("[data-testid=job-link]")[^1].TextContent.Trim());
    }

    [Fact]
    public async Task ShowsFirstPageOfMatches_WhenSearchChangesOnSecondPage()
    {
        var cut = _ctx.RenderPage<JobsPage>();
        cut.WaitForAssertion(() => Assert.Equal(25, cut.FindAll("[data-testid=job-link]").Count), Patience);
        var grid = cut.FindComponent<MudDataGrid<JobDto>>();
        await cut.InvokeAsync(() => grid.Instance.NavigateTo(Page.Next));
        cut.WaitForAssertion(() => Assert.Equal(JobsPageData.JobCount - 25, cut.FindAll("[data-testid=job-link]").Count), Patience);

        SetSearch(cut, "customer0");

        // customer00 … customer09: ten matches; the grid shows them from its first page, not an empty second one.
        cut.WaitForAssertion(() => Assert.Equal(10, cut.FindAll("[data-testid=job-link]").Count), Patience);
    }

    private static void SetSearch(IRenderedComponent<JobsPage> cut, string text)
    {
        // The search field is debounced; WaitForAssertion gives it the time it needs.
        cut.Input("filter-search").Input(text);
    }

    public ValueTask DisposeAsync() => _ctx.DisposeAsync();
}
