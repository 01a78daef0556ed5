using Ligbox.Core.Dashboard;
using Ligbox.Core.Gate;
using Ligbox.Core.Jobs;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Core.Tests.Infrastructure;
using Ligbox.Testing.PostgreSql;
using Ligbox.Tools.NativeImap;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Core.Tests.Dashboard;

/// <summary>The dashboard's figures on a real SQLite file with seeded jobs, mailboxes, runs and gates.</summary>
public class DashboardServiceTests
{
    /// <summary>Set by the PostgreSQL copy of these tests (issue 17): the same figures from the other provider's SQL.</summary>
    protected virtual PostgreSqlServer? Postgres => null;

    // Noon (UTC) of a fixed day: the windows (30 days, 24 hours) are measured from here, whatever the real time.
    private static readonly DateTime Now = new(2026, 11, 20, 12, 0, 0, DateTimeKind.Utc);

    private sealed class FixedClock(DateTime now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(now);
    }

    private static DashboardService Service(CoreHost host) => new(host.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>(),
        host.Services.GetRequiredService<RunProgressNotifier>(), new FixedClock(Now));

    private static Run Ended(Guid jobId, RunKind kind, DateTime endedAt, bool failed = false, long messages = 0, long bytes = 0, string? reason = null,
        bool dryRun = false)
    {
        var run = new Run(jobId, kind, RunTrigger.Manual, "tech@test", endedAt.AddMinutes(-30), dryRun);
        run.Start(endedAt.AddMinutes(-20), "/tmp/run.log");
        if (failed)
        {
            run.Fail(endedAt, reason ?? "failed");
        }
        else
        {
            run.Complete(endedAt, null);
        }

        run.RecordCopied(messages, bytes);
        return run;
    }

    [Fact]
    public async Task Get_CountsJobsPerPhase_ListsReadyGates_AndPutsTheBiggestOpenJobsFirst()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        var small = await host.CreateJobWithMailboxesAsync("small.example", 2);
        var big = await host.CreateJobWithMailboxesAsync("big.example", 12);
        var middle = await host.CreateJobWithMailboxesAsync("middle.example", 6);
        var done = await host.CreateJobWithMailboxesAsync("done.example", 30);
        var gated = await host.CreateJobWithMailboxesAsync("gated.example", 3);
        await host.WithDbAsync(async db =>
        {
            var jobs = await db.Jobs.ToDictionaryAsync(j => j.Id);
            jobs[big].MoveTo(MigrationPhase.Syncing, Now);
            jobs[middle].MoveTo(MigrationPhase.Syncing, Now);
            jobs[done].Cancel("customer left", Now);
            jobs[gated].MoveTo(MigrationPhase.Syncing, Now);
            jobs[gated].MoveTo(MigrationPhase.FinalSync, Now);
            jobs[gated].MoveTo(MigrationPhase.GateReady, Now);
            // Middle's mailboxes are partly synced, one failed, one excluded (left out of its size).
            var boxes = await db.Mailboxes.Where(m => m.JobId == middle).OrderBy(m => m.SourceLogin).ToListAsync();
            boxes[0].RecordCounts(100, 100, Now);
            boxes[1].RecordCounts(50, 49, Now);
            boxes[2].MarkFailed("wrong password");
            boxes[5].Exclude("left the company", "tech@test", Now);
        });
        // Only a gate the calculator found ready waits for an ops lead (the others stay blocked).
        await host.WithDbAsync(async db =>
        {
            foreach (var id in new[] { gated, middle })
            {
                if (!await db.Gates.AnyAsync(g => g.JobId == id))
                {
                    db.Gates.Add(new MigrationGate(id, Now));
                }
            }
        });
        await host.WithDbAsync(async db => Assert.Equal(1, await db.Gates.Where(g => g.JobId == gated).ExecuteUpdateAsync(u => u.SetProperty(g => g.State, GateState.Ready))));

        var view = await Service(host).GetAsync();

        Assert.Equal(Enum.GetValues<MigrationPhase>().Length, view.JobsByPhase.Count);
        Assert.Equal(1, view.JobsByPhase.Single(p => p.Phase == MigrationPhase.Draft).Jobs);
        Assert.Equal(2, view.JobsByPhase.Single(p => p.Phase == MigrationPhase.Syncing).Jobs);
        Assert.Equal(1, view.JobsByPhase.Single(p => p.Phase == MigrationPhase.GateReady).Jobs);
        Assert.Equal(1, view.JobsByPhase.Single(p => p.Phase == MigrationPhase.Cancelled).Jobs);
        Assert.Equal(0, view.JobsByPhase.Single(p => p.Phase == MigrationPhase.Completed).Jobs);
        Assert.Equal(4, view.OpenJobs);

        var gate = Assert.Single(view.GatesWaiting);
        Assert.Equal((gated, "gated.example", 3), (gate.JobId, gate.Domain, gate.Mailboxes));

        // The cancelled job is bigger than all of them but has nothing left to finish.
        Assert.Equal(["big.example", "middle.example", "gated.example", "small.example"], view.BiggestOpenJobs.Select(j => j.Domain));
        var m = view.BiggestOpenJobs[1];
        Assert.Equal((5, 2, 1, 150L, 149L, 3), (m.Mailboxes, m.Synced, m.Failed, m.SourceMessages, m.DestinationMessages, m.Remaining));
    }

    [Fact]
    public async Task Get_SumsWhatRunsCopiedPerUtcDayOver30Days_WithDaysWithoutRunsAsZero()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        var job = await host.CreateJobWithMailboxesAsync("days.example", 1);
        await host.WithDbAsync(db =>
        {
            db.Runs.AddRange(
                Ended(job, RunKind.Initial, Now.AddHours(-2), messages: 1000, bytes: 5_000_000),
                Ended(job, RunKind.Delta, Now.Date.AddMinutes(1), messages: 10, bytes: 50_000),
                // Yesterday: nothing. Two days ago: a failed delta that still copied some, and a PST import.
                Ended(job, RunKind.Delta, Now.Date.AddDays(-2).AddHours(23), failed: true, messages: 7, bytes: 700),
                Ended(job, RunKind.Pst, Now.Date.AddDays(-2).AddHours(1), messages: 300, bytes: 3_000),
                // A dry run copies nothing and does not count.
                Ended(job, RunKind.Initial, Now.Date.AddDays(-2).AddHours(2), dryRun: true),
                // The first day of the window, and the day before it (left out).
                Ended(job, RunKind.Initial, Now.Date.AddDays(-29), messages: 42, bytes: 420),
                Ended(job, RunKind.Initial, Now.Date.AddSeconds(-1).AddDays(-29), messages: 999_999, bytes: 999_999));
            return Task.CompletedTask;
        });

        var view = await Service(host).GetAsync();

        Assert.Equal(DashboardService.Days, view.Daily.Count);
        Assert.Equal(DateOnly.FromDateTime(Now.AddDays(-29)), view.Daily[0].Day);
        Assert.Equal(DateOnly.FromDateTime(Now), view.Daily[^1].Day);
        Assert.Equal(new DailyCopied(DateOnly.FromDateTime(Now), 1010, 5_050_000, 2), view.Daily[^1]);
        Assert.Equal(new DailyCopied(DateOnly.FromDateTime(Now.AddDays(-1)), 0, 0, 0), view.Daily[^2]);
        Assert.Equal(new DailyCopied(DateOnly.FromDateTime(Now.AddDays(-2)), 307, 3_700, 2), view.Daily[^3]);
        Assert.Equal(new DailyCopied(DateOnly.FromDateTime(Now.AddDays(-29)), 42, 420, 1), view.Daily[0]);
        Assert.Equal(3, view.Daily.Count(d => d.Runs > 0));

        Assert.Equal(1010 + 307 + 42, view.Throughput.Messages30Days);
        // The last 24 hours reach back to yesterday noon: today's two runs only.
        Assert.Equal((1010L, 5_050_000L), (view.Throughput.MessagesLast24h, view.Throughput.BytesLast24h));
    }

    [Fact]
    public async Task Get_ListsOnlyTheFailuresOfTheLast24Hours_NewestFirst_WithTheirReasonAndFailedMailboxes()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        var job = await host.CreateJobWithMailboxesAsync("fail.example", 3);
        var other = await host.CreateJobWithMailboxesAsync("other.example", 1);
        Guid recent = default;
        await host.WithDbAsync(async db =>
        {
            var boxes = await db.Mailboxes.Where(m => m.JobId == job).OrderBy(m => m.SourceLogin).ToListAsync();
            var run = Ended(job, RunKind.Initial, Now.AddHours(-1), failed: true, reason: "2 of 3 mailbox(es) failed: the source refused the password.");
            recent = run.Id;
            db.Runs.Add(run);
            for (var i = 0; i < boxes.Count; i++)
            {
                var item = new RunMailbox(run.Id, boxes[i].Id, boxes[i].SourceLogin);
                item.Record(i == 0, i == 0 ? null : "authentication failed", null);
                db.Add(item);
            }

            db.Runs.AddRange(
                Ended(other, RunKind.Preflight, Now.AddHours(-23), failed: true, reason: "The destination server did not answer."),
                Ended(other, RunKind.Delta, Now.AddHours(-25), failed: true, reason: "too old to be listed"),
                Ended(other, RunKind.Delta, Now.AddHours(-2)));
        });

        var view = await Service(host).GetAsync();

        Assert.Equal(2, view.FailuresTotal);
        Assert.Equal(["fail.example", "other.example"], view.Failures.Select(f => f.Domain));
        var first = view.Failures[0];
        Assert.Equal((recent, RunKind.Initial, 2), (first.RunId, first.Kind, first.FailedMailboxes));
        Assert.Equal("2 of 3 mailbox(es) failed: the source refused the password.", first.Reason);
        Assert.Equal(("The destination server did not answer.", 0), (view.Failures[1].Reason, view.Failures[1].FailedMailboxes));
    }

    [Fact]
    public async Task Get_ShowsRunsRunningNowWithTheLiveRatesOfTheirMailboxes()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        var job = await host.CreateJobWithMailboxesAsync("live.example", 2);
        var run = new Run(job, RunKind.Initial, RunTrigger.Manual, "tech@test", Now.AddMinutes(-5));
        await host.WithDbAsync(async db =>
        {
            run.Start(Now.AddMinutes(-4), "/tmp/run.log");
            db.Runs.Add(run);
            foreach (var box in await db.Mailboxes.Where(m => m.JobId == job).ToListAsync())
            {
                db.Add(new RunMailbox(run.Id, box.Id, box.SourceLogin));
            }

            db.Runs.Add(Ended(job, RunKind.Preflight, Now.AddMinutes(-10)));
        });
        var notifier = host.Services.GetRequiredService<RunProgressNotifier>();
        notifier.Report(job, run.Id, "u00000@live.example", new SyncProgressEvent
        {
            MailboxKey = "u00000@live.example", Stage = SyncProgressStage.FolderProgress, Folder = "INBOX",
            MailboxDone = 40, MailboxTotal = 100, BytesTransferred = 4000, MessagesPerSecond = 12.5,
        });
        notifier.Report(job, run.Id, "u00001@live.example", new SyncProgressEvent
        {
            MailboxKey = "u00001@live.example", Stage = SyncProgressStage.FolderProgress, Folder = "INBOX",
            MailboxDone = 10, MailboxTotal = 50, BytesTransferred = 1000, MessagesPerSecond = 7.5,
        });

        var view = await Service(host).GetAsync();

        var live = Assert.Single(view.RunningNow);
        Assert.Equal((run.Id, "live.example", RunStatus.Running, 2, 2), (live.RunId, live.Domain, live.Status, live.Mailboxes, live.MailboxesReporting));
        Assert.Equal((50L, 150L, 5000L, 20.0), (live.MessagesDone, live.MessagesTotal, live.Bytes, live.MessagesPerSecond));
        Assert.Equal(20.0, view.Throughput.LiveMessagesPerSecond);
    }

    [Fact]
    public async Task Get_OnAnEmptyConsole_GivesZerosAndThirtyEmptyDays()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);

        var view = await Service(host).GetAsync();

        Assert.All(view.JobsByPhase, p => Assert.Equal(0, p.Jobs));
        Assert.Empty(view.GatesWaiting);
        Assert.Empty(view.RunningNow);
        Assert.Empty(view.Failures);
        Assert.Empty(view.BiggestOpenJobs);
        Assert.Equal(30, view.Daily.Count);
        Assert.All(view.Daily, d => Assert.Equal(0, d.Messages));
        Assert.Equal(0, view.Throughput.MessagesLast24h);
    }
}
