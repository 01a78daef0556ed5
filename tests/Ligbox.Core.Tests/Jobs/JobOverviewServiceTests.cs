using Ligbox.Testing.PostgreSql;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Runs;
using Ligbox.Core.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Core.Tests.Jobs;

public class JobOverviewServiceTests
{
    /// <summary>Null: SQLite (the default); the <c>OnPostgreSql</c> variant runs every test again on a real PostgreSQL.</summary>
    protected virtual PostgreSqlServer? Postgres => null;

    [Fact]
    public async Task Summary_CountsSyncedAndFailedMailboxes_AndSaysWhatToFix()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        var jobId = await host.CreateJobWithMailboxesAsync("summary.example", 4);
        await host.WithDbAsync(async db =>
        {
            var boxes = await db.Mailboxes.Where(m => m.JobId == jobId).OrderBy(m => m.SourceLogin).ToListAsync();
            boxes[0].RecordCounts(100, 100, DateTime.UtcNow);
            boxes[1].RecordCounts(50, 49, DateTime.UtcNow);
            boxes[2].MarkFailed("The source refused the password.");
            var run = new Run(jobId, RunKind.Initial, RunTrigger.Manual, "tech@test", DateTime.UtcNow);
            run.Start(DateTime.UtcNow, "/tmp/x.log");
            run.Fail(DateTime.UtcNow, "1 of 4 mailbox(es) failed");
            db.Runs.Add(run);
        });

        await using var scope = host.Scope();
        var summary = await host.Get<JobOverviewService>(scope).GetSummaryAsync(jobId);

        Assert.Equal(new JobProgress(4, 2, 1, 0, 150, 149), summary.Progress);
        Assert.Equal(50, summary.Progress.Percent);
        Assert.Equal("2 of 4 synced", summary.Progress.Text);
        Assert.Equal("The last initial sync failed; 1 mailbox failed.", summary.Attention);
        Assert.StartsWith("Fix the 1 failed mailbox", summary.NextStep);
        Assert.Equal(RunStatus.Failed, summary.LastRun?.Status);
    }

    [Fact]
    public async Task Summary_OfAnEmptyJob_AsksForMailboxes()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        var jobId = await host.CreateJobWithMailboxesAsync("empty.example", 0);
        await using var scope = host.Scope();
        var summary = await host.Get<JobOverviewService>(scope).GetSummaryAsync(jobId);
        Assert.Equal(0, summary.Progress.Percent);
        Assert.Null(summary.Attention);
        Assert.Equal("Add the mailboxes (one by one or from a CSV).", summary.NextStep);
    }

    [Fact]
    public async Task PageMailboxes_ReturnsOnePageOfTenThousand_WithTotal_SearchAndStatus()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        var jobId = await host.CreateJobWithMailboxesAsync("big.example", 10_000);
        await host.WithDbAsync(async db => (await db.Mailboxes.SingleAsync(m => m.SourceLogin == "u04242@big.example")).MarkFailed("wrong password"));
        await using var scope = host.Scope();
        var overview = host.Get<JobOverviewService>(scope);

        var page = await overview.PageMailboxesAsync(jobId, new MailboxPageQuery { Skip = 50, Take = 25 });
        Assert.Equal(10_000, page.Total);
        Assert.Equal(25, page.Items.Count);
        Assert.Equal("u00050@big.example", page.Items[0].SourceLogin);

        var found = await overview.PageMailboxesAsync(jobId, new MailboxPageQuery { Search = "U0424" });
        Assert.Equal(10, found.Total);
        var failed = await overview.PageMailboxesAsync(jobId, new MailboxPageQuery { Status = MailboxStatus.Failed });
        Assert.Equal("u04242@big.example", Assert.Single(failed.Items).SourceLogin);
        var descending = await overview.PageMailboxesAsync(jobId, new MailboxPageQuery { Take = 1, Descending = true });
        Assert.Equal("u09999@big.example", descending.Items[0].SourceLogin);
    }

    [Fact]
    public async Task ListStatus_MarksOnlyJobsThatNeedAttention()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        var good = await host.CreateJobWithMailboxesAsync("good.example", 2);
        var failedPreflight = await host.CreateJobWithMailboxesAsync("preflight.example", 2);
        await host.WithDbAsync(async db =>
        {
            foreach (var m in await db.Mailboxes.Where(m => m.JobId == good).ToListAsync())
            {
                m.RecordCounts(1, 1, DateTime.UtcNow);
            }

            var run = new Run(failedPreflight, RunKind.Preflight, RunTrigger.Manual, "tech@test", DateTime.UtcNow);
            run.Start(DateTime.UtcNow, "/tmp/x.log");
            run.Fail(DateTime.UtcNow, "Pre-flight failed");
            db.Runs.Add(run);
        });

        await using var scope = host.Scope();
        var status = await host.Get<JobOverviewService>(scope).ListStatusAsync([good, failedPreflight]);
        Assert.Null(status[good].Attention);
        Assert.Equal(100, status[good].Progress.Percent);
        Assert.Equal("The last pre-flight failed.", status[failedPreflight].Attention);
        Assert.Equal(0, status[failedPreflight].Progress.Percent);
    }

    [Fact]
    public async Task MailboxDetail_HasLastPreflightLastSyncAndRuns()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        var jobId = await host.CreateJobWithMailboxesAsync("detail.example", 1);
        Guid mailboxId = default;
        await host.WithDbAsync(async db =>
        {
            var m = await db.Mailboxes.SingleAsync(x => x.JobId == jobId);
            mailboxId = m.Id;
            var pre = new Run(jobId, RunKind.Preflight, RunTrigger.Manual, "tech@test", DateTime.UtcNow.AddMinutes(-5));
            var rm1 = new RunMailbox(pre.Id, m.Id, m.SourceLogin);
            rm1.Record(true, "Pre-flight OK", """{"folderList":[{"name":"INBOX","messages":3,"bytes":300,"destination":"INBOX"}],"folders":1}""");
            var sync = new Run(jobId, RunKind.Initial, RunTrigger.Manual, "tech@test", DateTime.UtcNow);
            var rm2 = new RunMailbox(sync.Id, m.Id, m.SourceLogin);
            rm2.Record(true, "3 copied", """{"folders":[{"sourceFolder":"INBOX","destinationFolder":"INBOX","sourceMessages":3,"destinationMessages":3,"transferred":3}]}""");
            db.Runs.AddRange(pre, sync);
            db.AddRange(rm1, rm2);
        });

        await using var scope = host.Scope();
        var detail = await host.Get<JobOverviewService>(scope).GetMailboxDetailAsync(jobId, mailboxId);
        Assert.Equal(2, detail.Runs.Count);
        Assert.Equal(RunKind.Initial, detail.Runs[0].Kind);
        Assert.Equal(RunKind.Preflight, detail.LastPreflight?.Kind);
        Assert.Equal(3, detail.LastPreflight!.Result!.Value.GetProperty("folderList")[0].GetProperty("messages").GetInt32());
        Assert.Equal("INBOX", detail.LastSync!.Result!.Value.GetProperty("folders")[0].GetProperty("sourceFolder").GetString());
    }

    [Fact]
    public async Task JobChangeNotifier_IsToldAfterAMailboxIsAdded_OnlyForThatJob()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        var jobId = await host.CreateJobWithMailboxesAsync("signal.example", 0);
        var other = await host.CreateJobWithMailboxesAsync("other.example", 0);
        await Task.Delay(JobChangeNotifier.Debounce * 2);
        var notifier = host.Services.GetRequiredService<JobChangeNotifier>();
        var told = new List<Guid>();
        var signal = new TaskCompletionSource();
        using var sub = notifier.Subscribe(jobId, id =>
        {
            lock (told)
            {
                told.Add(id);
            }

            signal.TrySetResult();
            return Task.CompletedTask;
        });

        await using (var scope = host.Scope())
        {
            await host.Get<MailboxService>(scope).AddAsync(jobId, new AddMailboxRequest
            {
                SourceUser = "anna@signal.example", SourcePassword = "a", DestUser = "anna@new.example", DestPassword = "b",
            }, "tech@test");
            await host.Get<MailboxService>(scope).AddAsync(other, new AddMailboxRequest
            {
                SourceUser = "bob@other.example", SourcePassword = "a", DestUser = "bob@new.example", DestPassword = "b",
            }, "tech@test");
        }

        await signal.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(JobChangeNotifier.Debounce * 2);
        lock (told)
        {
            // Told of this job only. Once or twice: on a loaded PostgreSQL the mailbox's writes can straddle two 250 ms
            // windows (seen in a full run); the other job's mailbox must never reach this subscriber.
            Assert.NotEmpty(told);
            Assert.All(told, id => Assert.Equal(jobId, id));
            Assert.InRange(told.Count, 1, 2);
        }
    }
}
