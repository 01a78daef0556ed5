using System.Text;
using Bunit;
using Ligbox.Console.Components.Pages.Jobs;
using Ligbox.Console.Components.Pages.Jobs.Components;
using Ligbox.Console.Components.Shared;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Gate;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Components.Pages.Jobs;

/// <summary>A job of 10,000 mailboxes, one healthy job and one whose pre-flight failed.</summary>
public sealed class JobPageData : LigboxAppFactory
{
    public Guid BigJob { get; private set; }
    public Guid GoodJob { get; private set; }
    public Guid FailedJob { get; private set; }

    /// <summary>Two mailboxes, one with counts from a sync (120 on the source, 118 on the destination), one never synced.</summary>
    public Guid HalfCountedJob { get; private set; }

    /// <summary>One mailbox with counts from a sync: 199 of 200.</summary>
    public Guid CountedJob { get; private set; }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await using var scope = Services.CreateAsyncScope();
        var jobs = scope.ServiceProvider.GetRequiredService<JobService>();
        var mailboxes = scope.ServiceProvider.GetRequiredService<MailboxService>();
        BigJob = (await Create(jobs, "big-bunit.example")).Id;
        var csv = new StringBuilder("source_user,source_password,dest_user,dest_password\n");
        for (var i = 0; i < 10_000; i++)
        {
            csv.Append($"u{i:D5}@big-bunit.example,pw,u{i:D5}@new.example,pw\n");
        }

        Assert.True((await mailboxes.ImportCsvAsync(BigJob, csv.ToString(), commit: true, AdminEmail)).Committed);
        GoodJob = (await Create(jobs, "good-bunit.example")).Id;
        FailedJob = (await Create(jobs, "failed-bunit.example")).Id;
        await mailboxes.AddAsync(FailedJob, new AddMailboxRequest { SourceUser = "bob@failed-bunit.example", SourcePassword = "x", DestUser = "bob@new.example", DestPassword = "y" }, AdminEmail);
        await using var db = await Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>().CreateDbContextAsync();
        var bob = await db.Mailboxes.SingleAsync(m => m.JobId == FailedJob);
        bob.MarkFailed("The source server refused the password.");
        var run = new Run(FailedJob, RunKind.Preflight, RunTrigger.Manual, AdminEmail, DateTime.UtcNow);
        run.Start(DateTime.UtcNow, "/tmp/none.log");
        run.Fail(DateTime.UtcNow, "Pre-flight failed for 1 of 1 mailbox(es)");
        db.Runs.Add(run);
        var item = new RunMailbox(run.Id, bob.Id, bob.SourceLogin);
        item.Record(false, "The source server refused the password.", null);
        db.Add(item);
        await db.SaveChangesAsync();

        HalfCountedJob = (await Create(jobs, "half-bunit.example")).Id;
        CountedJob = (await Create(jobs, "counted-bunit.example")).Id;
        foreach (var (job, user) in new[] { (HalfCountedJob, "alice@half-bunit.example"), (HalfCountedJob, "carol@half-bunit.example"), (CountedJob, "dan@counted-bunit.example") })
        {
            await mailboxes.AddAsync(job, new AddMailboxRequest { SourceUser = user, SourcePassword = "x", DestUser = user, DestPassword = "y" }, AdminEmail);
        }

        foreach (var (user, source, destination) in new[] { ("alice@half-bunit.example", 120L, 118L), ("dan@counted-bunit.example", 200L, 199L) })
        {
            (await db.Mailboxes.SingleAsync(m => m.SourceLogin == user)).RecordCounts(source, destination, DateTime.UtcNow);
        }

        await db.SaveChangesAsync();
    }

    private static Task<JobDto> Create(JobService jobs, string domain) => jobs.CreateAsync(new CreateJobRequest
    {
        Domain = domain,
        Source = new() { Host = "imap.old.example" },
        Destination = new() { Host = "imap.new.example" },
    }, AdminEmail);
}

/// <summary>Its fixture imports 10,000 mailboxes: it runs alone, so it does not starve the other page tests' dispatchers.</summary>
[CollectionDefinition(nameof(TenThousandMailboxes), DisableParallelization = true)]
public sealed class TenThousandMailboxes;

[Collection(nameof(TenThousandMailboxes))]
public class JobPageComponentsTests(JobPageData app) : IClassFixture<JobPageData>, IAsyncDisposable
{
    // Parallel tests on two shared cores: the dispatcher can wait a long time for its turn.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);
    private readonly PageTestContext _ctx = new(app);

    [Theory]
    [InlineData(0, 210, false, "0", "0 / 210")]
    [InlineData(80, 210, false, "38", "80 / 210")]
    [InlineData(210, 210, false, "100", "210 / 210")]
    [InlineData(0, 210, true, "100", "up to date")]
    [InlineData(5, 210, true, "100", "5 new, the rest already there")]
    [InlineData(0, 0, false, "0", "0 / 0")]
    public void ProgressBar_MatchesItsNumbers(long done, long total, bool completed, string percent, string text)
    {
        var cut = _ctx.Render<ProgressFigure>(p => p.Add(x => x.Done, done).Add(x => x.Total, total).Add(x => x.Completed, completed));
        Assert.Equal(percent, cut.Find("[data-testid=progress-figure]").GetAttribute("data-percent"));
        Assert.Equal(text, cut.Find("[data-testid=progress-text]").TextContent);
        // MudBlazor draws the bar from the same value: it slides the bar left by what is missing.
        Assert.Contains($"translateX(-{100 - int.Parse(percent)}%)", cut.Find(".mud-progress-linear-bar").GetAttribute("style") ?? "", StringComparison.Ordinal);
    }

    /// <summary>
    /// The job's ratio line before every mailbox has counts: it said "— of messages (0 of 0)", which read as an empty
    /// migration. It says what is missing instead, with the partial sums when some mailboxes are counted.
    /// </summary>
    [Theory]
    [InlineData("failed", "No verified message counts yet")]
    [InlineData("half", "Not every mailbox is counted yet: 118 of 120 messages so far")]
    [InlineData("counted", "99.5% of messages (199 of 200)")]
    public void GatePanel_RatioLine_SaysWhatIsCounted(string job, string expected)
    {
        var id = job switch { "failed" => app.FailedJob, "half" => app.HalfCountedJob, _ => app.CountedJob };
        var cut = _ctx.Render<GatePanel>(p => p.Add(x => x.JobId, id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=gate-ratio]")), Patience);
        Assert.Equal(expected, cut.Words("gate-ratio"));
    }

    [Fact]
    public void MailboxTable_RendersOnePageOfTenThousand()
    {
        var cut = _ctx.Render<MailboxTable>(p => p.Add(x => x.JobId, app.BigJob));
        cut.WaitForAssertion(() => Assert.Equal(25, cut.FindAll("[data-testid=mailbox-source]").Count), Patience);
        Assert.Matches(@"1-25\s+of\s+10,?000", cut.Find(".mud-table-pagination").TextContent);
        Assert.Equal("u00000@big-bunit.example", cut.FindAll("[data-testid=mailbox-source]")[0].TextContent);
        // One page, not the job: the markup stays small.
        Assert.True(cut.Markup.Length < 200_000, $"markup is {cut.Markup.Length:N0} characters");
    }

    [Fact]
    public void MailboxTable_ShowsTheErrorInline_AndTheDetailPanelOnExpand()
    {
        var cut = _ctx.Render<MailboxTable>(p => p.Add(x => x.JobId, app.FailedJob));
        cut.WaitForAssertion(() => Assert.Equal("The source server refused the password.", cut.Find("[data-testid=mailbox-error]").TextContent), Patience);
        cut.Find("[data-testid=mailbox-expand]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Pre-flight", cut.Find("[data-testid=detail-runs]").TextContent, StringComparison.Ordinal), Patience);
        Assert.Equal("The source server refused the password.", cut.Find("[data-testid=mailbox-detail-error]").TextContent);
    }

    [Fact]
    public async Task Summary_SaysXOfYSynced_AndTheNextStep()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var summary = await scope.ServiceProvider.GetRequiredService<JobOverviewService>().GetSummaryAsync(app.FailedJob);
        var cut = _ctx.Render<JobSummaryCard>(p => p.Add(x => x.Summary, summary));
        Assert.Equal("0 of 1", cut.Find("[data-testid=summary-synced]").TextContent);
        Assert.Equal("0", cut.Find("[data-testid=summary-bar]").GetAttribute("data-percent"));
        Assert.Equal("The last pre-flight failed; 1 mailbox failed.", cut.Find("[data-testid=job-attention]").TextContent.Trim());
        Assert.StartsWith("Fix the 1 failed mailbox", cut.Find("[data-testid=summary-next]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void JobsList_MarksOnlyTheJobThatNeedsAttention_AndShowsProgress()
    {
        var cut = _ctx.RenderPage<JobsPage>();
        cut.WaitForAssertion(() => Assert.Equal(5, cut.FindAll("[data-testid=job-link]").Count), Patience);
        var rows = cut.FindAll("tr").Where(r => r.QuerySelector("[data-testid=job-link]") is not null).ToList();
        var failed = rows.Single(r => r.TextContent.Contains("failed-bunit.example", StringComparison.Ordinal));
        var good = rows.Single(r => r.TextContent.Contains("good-bunit.example", StringComparison.Ordinal));
        Assert.NotNull(failed.QuerySelector("[data-testid=job-attention]"));
        Assert.Contains("The last pre-flight failed", failed.QuerySelector("[data-testid=job-attention-text]")!.TextContent, StringComparison.Ordinal);
        Assert.Null(good.QuerySelector("[data-testid=job-attention]"));
        var big = rows.Single(r => r.TextContent.Contains("big-bunit.example", StringComparison.Ordinal));
        Assert.Contains("0 of 10,000 synced", big.QuerySelector("[data-testid=job-progress]")!.TextContent, StringComparison.Ordinal);
        var half = rows.Single(r => r.TextContent.Contains("half-bunit.example", StringComparison.Ordinal));
        Assert.Null(half.QuerySelector("[data-testid=job-attention]"));
        Assert.Contains("1 of 2 synced", half.QuerySelector("[data-testid=job-progress]")!.TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(GateState.Blocked, GateGrade.Blocked, "Blocked", null)]
    [InlineData(GateState.Blocked, GateGrade.Good, "Blocked", "good")]
    [InlineData(GateState.Revoked, GateGrade.Blocked, "Revoked", "blocked")]
    [InlineData(GateState.Ready, GateGrade.Perfect, "Ready", "perfect")]
    public void GateChips_ShowTheGrade_OnlyWhenItSaysMoreThanTheState(GateState state, GateGrade grade, string stateText, string? gradeText)
    {
        var cut = _ctx.Render<GateChips>(p => p.Add(x => x.State, state).Add(x => x.Grade, grade));
        Assert.Equal(stateText, cut.Find("[data-testid=gate-state]").TextContent.Trim());
        Assert.Equal(gradeText, cut.FindAll("[data-testid=gate-grade]").SingleOrDefault()?.TextContent.Trim());
    }

    public ValueTask DisposeAsync() => _ctx.DisposeAsync();
}
