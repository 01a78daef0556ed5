using Bunit;
using Ligbox.Console.Components.Pages.Dashboard;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Gate;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Tools.NativeImap;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Components.Pages.Dashboard;

/// <summary>
/// A console with three jobs: "ready.example" whose gate waits for approval, "broken.example" whose initial sync failed an
/// hour ago, and "busy.example" (8 mailboxes) with a delta running; runs that ended today and three days ago copied mail.
/// </summary>
public sealed class DashboardData : LigboxAppFactory
{
    public const string FailureReason = "2 of 3 mailbox(es) failed: the source refused the password.";
    public Guid ReadyJob { get; private set; }
    public Guid BusyJob { get; private set; }
    public Guid RunningRun { get; private set; }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        ReadyJob = await JobAsync("ready.example", 2);
        var broken = await JobAsync("broken.example", 3);
        BusyJob = await JobAsync("busy.example", 8);
        var now = DateTime.UtcNow;
        await using var db = await Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>().CreateDbContextAsync();
        var ready = await db.Jobs.SingleAsync(j => j.Id == ReadyJob);
        ready.MoveTo(MigrationPhase.Syncing, now);
        ready.MoveTo(MigrationPhase.FinalSync, now);
        ready.MoveTo(MigrationPhase.GateReady, now);
        (await db.Jobs.SingleAsync(j => j.Id == BusyJob)).MoveTo(MigrationPhase.Syncing, now);
        if (!await db.Gates.AnyAsync(g => g.JobId == ReadyJob))
        {
            db.Gates.Add(new MigrationGate(ReadyJob, now));
        }

        db.Runs.Add(Ended(broken, now.AddHours(-1), failed: true, 0));
        db.Runs.Add(Ended(BusyJob, now.AddMinutes(-1), failed: false, 1234));
        db.Runs.Add(Ended(BusyJob, now.AddDays(-3), failed: false, 5000));
        var running = new Run(BusyJob, RunKind.Delta, RunTrigger.Manual, AdminEmail, now.AddMinutes(-2));
        running.Start(now.AddMinutes(-2), "/tmp/run.log");
        db.Runs.Add(running);
        RunningRun = running.Id;
        await db.SaveChangesAsync();
        await db.Database.ExecuteSqlAsync($"UPDATE Gates SET State = 'Ready' WHERE JobId = {ReadyJob}");
    }

    private static Run Ended(Guid jobId, DateTime endedAt, bool failed, long messages)
    {
        var run = new Run(jobId, RunKind.Initial, RunTrigger.Manual, AdminEmail, endedAt.AddMinutes(-10));
        run.Start(endedAt.AddMinutes(-5), "/tmp/run.log");
        if (failed)
        {
            run.Fail(endedAt, FailureReason);
        }
        else
        {
            run.Complete(endedAt, null);
        }

        run.RecordCopied(messages, messages * 1000);
        return run;
    }

    private async Task<Guid> JobAsync(string domain, int mailboxes)
    {
        await using var scope = Services.CreateAsyncScope();
        var job = await scope.ServiceProvider.GetRequiredService<JobService>().CreateAsync(new CreateJobRequest
        {
            Domain = domain,
            Source = new() { Host = "imap.old.example" },
            Destination = new() { Host = "imap.new.example" },
        }, AdminEmail);
        for (var i = 0; i < mailboxes; i++)
        {
            await scope.ServiceProvider.GetRequiredService<MailboxService>().AddAsync(job.Id,
                new AddMailboxRequest { SourceUser = $"u{i}@{domain}", SourcePassword = "pw", DestUser = $"u{i}@new.{domain}", DestPassword = "pw" }, AdminEmail);
        }

        return job.Id;
    }
}

public class DashboardPageTests(DashboardData app) : IClassFixture<DashboardData>, IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly PageTestContext _ctx = new(app);

    [Fact]
    public void ShowsPhasesGatesFailuresChartAndBiggestJobs_FromTheDashboardService()
    {
        var cut = _ctx.RenderPage<DashboardPage>();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=gate-waiting]")), Patience);
        Assert.Equal("3", cut.Find("[data-testid=stat-open-jobs]").TextContent.Trim());
        Assert.Equal(["Draft", "Syncing", "GateReady"], cut.FindAll("[data-testid=phase-count]").Select(e => e.GetAttribute("data-phase")));

        // One click from the waiting gate to the job's gate section.
        var gate = Assert.Single(cut.FindAll("[data-testid=gate-waiting]"));
        Assert.Contains("ready.example", gate.TextContent);
        Assert.Equal($"/migration/jobs/{app.ReadyJob}#gate", gate.QuerySelector("[data-testid=review-gate]")!.GetAttribute("href"));

        var failure = Assert.Single(cut.FindAll("[data-testid=failure]"));
        Assert.Contains("broken.example", failure.TextContent);
        Assert.Contains(DashboardData.FailureReason, failure.TextContent);
        Assert.EndsWith("#runs", failure.QuerySelector("a")!.GetAttribute("href"));

        // MudBlazor's own bar chart, 30 days; today's and three days ago's runs copied 6,234 messages.
        Assert.NotEmpty(cut.FindAll("[data-testid=copied-per-day] svg"));
        Assert.Contains("6,234 msgs", cut.Find("[data-testid=throughput-30d]").TextContent);
        Assert.Equal(["busy.example", "broken.example", "ready.example"],
            cut.FindAll("[data-testid=biggest-jobs-table] tbody tr").Select(r => r.QuerySelector("a")!.TextContent.Trim()));
    }

    [Fact]
    public void ShowsTheRunningRunsLiveFigures_AsTheRunReports()
    {
        var cut = _ctx.RenderPage<DashboardPage>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=running-run]")), Patience);
        Assert.Empty(cut.FindAll("[data-testid=run-rate]"));

        app.Services.GetRequiredService<RunProgressNotifier>().Report(app.BusyJob, app.RunningRun, "u0@busy.example", new SyncProgressEvent
        {
            MailboxKey = "u0@busy.example", Stage = SyncProgressStage.FolderProgress, Folder = "INBOX",
            MailboxDone = 30, MailboxTotal = 120, BytesTransferred = 3 << 20, MessagesPerSecond = 42.5,
        });

        // No reload by the test: the page follows the run's progress by itself.
        cut.WaitForAssertion(() => Assert.Contains("42.5 messages/s", cut.Find("[data-testid=run-rate]").TextContent), Patience);
        Assert.Contains("30 / 120", cut.Find("[data-testid=running-run]").TextContent);
        Assert.Contains("3.0 MB copied", cut.Find("[data-testid=run-rate]").TextContent);
    }

    public async ValueTask DisposeAsync()
    {
        await _ctx.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The page on a console of its own: a job added elsewhere shows without a reload, and a closed page leaves no subscription behind.</summary>
public class DashboardPageLiveTests(LigboxAppFactory app) : IClassFixture<LigboxAppFactory>, IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly PageTestContext _ctx = new(app);

    [Fact]
    public async Task FollowsJobsCreatedElsewhere_AndUnsubscribesWhenClosed()
    {
        var changes = app.Services.GetRequiredService<JobChangeNotifier>();
        var before = changes.SubscriberCount;
        var cut = _ctx.RenderPage<DashboardPage>();
        cut.WaitForAssertion(() => Assert.Equal("0", cut.Find("[data-testid=stat-open-jobs]").TextContent.Trim()), Patience);
        Assert.NotNull(cut.Find("[data-testid=chart-empty]"));
        Assert.Equal(before + 1, changes.SubscriberCount);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<JobService>().CreateAsync(new CreateJobRequest
            {
                Domain = "later.example",
                Source = new() { Host = "imap.old.example" },
                Destination = new() { Host = "imap.new.example" },
            }, LigboxAppFactory.AdminEmail);
        }

        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-testid=stat-open-jobs]").TextContent.Trim()), Patience);
        Assert.Contains("later.example", cut.Find("[data-testid=biggest-jobs]").TextContent);

        await _ctx.DisposeComponentsAsync();
        Assert.Equal(before, changes.SubscriberCount);
    }

    public async ValueTask DisposeAsync()
    {
        await _ctx.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
