using System.Text.Json;
using Ligbox.Core.Jobs;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Tools.Statistics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Gate;

public sealed record SeedMailbox(string Login, long Source, long Destination, params MissingMessage[] Missing);

/// <summary>
/// Fills what the run executor would persist after a verified final sync: mailbox counts, the final
/// run with its statistics (keyed by login), and the job in FinalSync.
/// </summary>
public static class GateSeed
{
    public static async Task<Guid> JobAsync(IServiceProvider services, string domain, SeedMailbox[] mailboxes, bool finalSync = true,
        bool runActive = false, bool failFirst = false)
    {
        var factory = services.GetRequiredService<IDbContextFactory<LigboxDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var now = DateTime.UtcNow;
        var job = new MigrationJob(domain, domain, null, new ServerEndpoint { Host = "imap.old.example.com" },
            new ServerEndpoint { Host = "imap.new.example.com" }, SyncEngineKind.Native, new JobOptions(), "seed", now.AddHours(-3));
        var stats = new Dictionary<string, SyncStatistics>();
        foreach (var m in mailboxes)
        {
            var box = job.AddMailbox(m.Login, "x", m.Login, "x", null, now.AddHours(-3));
            box.RecordCounts(m.Source, m.Destination, now.AddMinutes(-5));
            if (failFirst && stats.Count == 0)
            {
                box.MarkFailed("authentication refused by the source");
            }

            stats[m.Login] = new SyncStatistics { SourceMessages = m.Source, DestinationMessages = m.Destination, SourceBytes = m.Source * 2048,
                DestinationBytes = m.Destination * 2048, Missing = m.Missing };
        }

        job.MoveTo(MigrationPhase.Syncing, now.AddHours(-2));
        if (finalSync)
        {
            job.MoveTo(MigrationPhase.FinalSync, now.AddHours(-1));
            var run = new Run(job.Id, RunKind.Final, RunTrigger.Manual, "seed", now.AddHours(-1));
            run.Start(now.AddHours(-1), "final.log");
            run.Complete(now.AddMinutes(-5), JsonSerializer.Serialize(stats));
            db.Runs.Add(run);
        }

        db.Jobs.Add(job);
        if (runActive)
        {
            db.Runs.Add(new Run(job.Id, RunKind.Delta, RunTrigger.Scheduled, "seed", now));
        }

        await db.SaveChangesAsync();
        return job.Id;
    }

    public static Task<Guid> ReadyJobAsync(IServiceProvider services, string domain) =>
        JobAsync(services, domain, [new SeedMailbox("ana@" + domain, 10_000, 9_950), new SeedMailbox("bo@" + domain, 2_000, 2_000)]);
}
