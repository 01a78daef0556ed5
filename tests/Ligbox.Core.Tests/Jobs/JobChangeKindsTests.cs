using Ligbox.Testing.PostgreSql;
using Ligbox.Core.Audit;
using Ligbox.Core.Jobs;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Core.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Core.Tests.Jobs;

/// <summary>The job page reloads only what a change touches: the notifier says what of the job was written.</summary>
public class JobChangeKindsTests
{
    /// <summary>Null: SQLite (the default); the <c>OnPostgreSql</c> variant runs every test again on a real PostgreSQL.</summary>
    protected virtual PostgreSqlServer? Postgres => null;

    [Fact]
    public async Task Notifier_SaysWhatWasWritten_AndFoldsOneWindowIntoOneCall()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        Guid jobId;
        await using (var scope = host.Scope())
        {
            jobId = (await host.Get<JobService>(scope).CreateAsync(new CreateJobRequest
            {
                Domain = "kinds.example", Source = new() { Host = "old.example.com" }, Destination = new() { Host = "new.example.com" },
            }, "tech@test")).Id;
        }

        var notifier = host.Services.GetRequiredService<JobChangeNotifier>();
        var factory = host.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>();
        var calls = new List<JobChangeKinds>();
        using var sub = notifier.Subscribe(jobId, (_, kinds) =>
        {
            lock (calls)
            {
                calls.Add(kinds);
            }

            return Task.CompletedTask;
        });

        // The creation's own change is told (or was before the subscription) and forgotten, however slow the machine:
        // CI once saw it folded into the next window after a fixed wait of two windows.
        for (var waited = TimeSpan.Zero; notifier.HasPending(jobId); waited += JobChangeNotifier.Debounce)
        {
            Assert.True(waited < TimeSpan.FromSeconds(30), "the creation's change was never told");
            await Task.Delay(JobChangeNotifier.Debounce);
        }

        await Task.Delay(JobChangeNotifier.Debounce); // the window's call, already out of the pending set, reaches us
        lock (calls)
        {
            calls.Clear();
        }

        // Only an audit entry: the page needs no section but the audit trail.
        await using (var db = await factory.CreateDbContextAsync())
        {
            host.Services.GetRequiredService<AuditLog>().Add(db, "tech@test", "schedule.updated", "job", jobId, new { enabled = false }, jobId);
            await db.SaveChangesAsync();
        }

        Assert.Equal([JobChangeKinds.Audit], await NextAsync(calls, 1));

        // A mailbox (it touches the job row too) and a run in one SaveChanges.
        await using (var db = await factory.CreateDbContextAsync())
        {
            var job = await db.Jobs.SingleAsync(j => j.Id == jobId);
            db.Add(job.AddMailbox("anna@kinds.example", "x", "anna@new.example", "x", null, DateTime.UtcNow));
            db.Runs.Add(new Run(jobId, RunKind.Preflight, RunTrigger.Manual, "tech@test", DateTime.UtcNow));
            await db.SaveChangesAsync();
        }

        Assert.Equal(JobChangeKinds.Job | JobChangeKinds.Mailboxes | JobChangeKinds.Runs, (await NextAsync(calls, 2))[1]);

        // Two writes in one debounce window: one call with both kinds.
        notifier.Publish(jobId, JobChangeKinds.Runs);
        notifier.Publish(jobId, JobChangeKinds.Gate);
        Assert.Equal(JobChangeKinds.Runs | JobChangeKinds.Gate, (await NextAsync(calls, 3))[2]);

        // Publish without kinds (callers outside EF) still means "anything".
        notifier.Publish(jobId);
        Assert.Equal(JobChangeKinds.All, (await NextAsync(calls, 4))[3]);
    }

    private static async Task<List<JobChangeKinds>> NextAsync(List<JobChangeKinds> calls, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Count(calls) < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{Count(calls)} of {count} calls");
            await Task.Delay(20);
        }

        // Another call for the same writes would be a second round: wait a window and check there is none.
        await Task.Delay(JobChangeNotifier.Debounce * 2);
        lock (calls)
        {
            Assert.Equal(count, calls.Count);
            return [.. calls];
        }
    }

    private static int Count(List<JobChangeKinds> calls)
    {
        lock (calls)
        {
            return calls.Count;
        }
    }
}
