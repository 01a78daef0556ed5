using Ligbox.Core.Gate;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Tools.Statistics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Gate;

public sealed record SeedMailbox(string Login, long Source, long Destination, params MissingMessage[] Missing);

/// <summary>
/// Fills what the run executor would persist after a verified final sync: mailbox counts, the final run with
/// one row per mailbox holding its statistics (written with <see cref="RunStatisticsSerializer"/>, as production
/// does), the job in FinalSync; then evaluates the gate as the run pipeline does after every run.
/// </summary>
public static class GateSeed
{
    public static async Task<Guid> JobAsync(IServiceProvider services, string domain, SeedMailbox[] mailboxes, bool finalSync = true,
        bool runActive = false, bool failFirst = false, string? ticketId = null)
    {
        var factory = services.GetRequiredService<IDbContextFactory<LigboxDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var now = DateTime.UtcNow;
        var job = new MigrationJob(domain, domain, ticketId, new ServerEndpoint { Host = "imap.old.example.com" },
            new ServerEndpoint { Host = "imap.new.example.com" }, SyncEngineKind.Native, new JobOptions(), "seed", now.AddHours(-3));
        var boxes = new List<(Mailbox Box, SyncStatistics Stats, bool Failed)>();
        foreach (var m in mailboxes)
        {
            var box = job.AddMailbox(m.Login, "x", m.Login, "x", null, now.AddHours(-3));
            box.RecordCounts(m.Source, m.Destination, now.AddMinutes(-5));
            var failed = failFirst && boxes.Count == 0;
            if (failed)
            {
                box.MarkFailed("authentication refused by the source");
            }

            boxes.Add((box, new SyncStatistics { SourceMessages = m.Source, DestinationMessages = m.Destination, SourceBytes = m.Source * 2048,
                DestinationBytes = m.Destination * 2048, Missing = m.Missing }, failed));
        }

        job.MoveTo(MigrationPhase.Syncing, now.AddHours(-2));
        db.Jobs.Add(job);
        var initial = new Run(job.Id, RunKind.Initial, RunTrigger.Manual, "seed", now.AddHours(-2));
        initial.Start(now.AddHours(-2), "initial.log");
        initial.Complete(now.AddHours(-2).AddMinutes(10), null);
        db.Runs.Add(initial);
        foreach (var (box, stats, _) in boxes)
        {
            var row = new RunMailbox(initial.Id, box.Id, box.SourceLogin);
            row.Record(true, "seeded", RunStatisticsSerializer.Write(stats));
            db.Add(row);
        }

        if (finalSync)
        {
            job.MoveTo(MigrationPhase.FinalSync, now.AddHours(-1));
            var run = new Run(job.Id, RunKind.Final, RunTrigger.Manual, "seed", now.AddHours(-1));
            run.Start(now.AddHours(-1), "final.log");
            run.Complete(now.AddMinutes(-5), null);
            db.Runs.Add(run);
            foreach (var (box, stats, failed) in boxes)
            {
                var row = new RunMailbox(run.Id, box.Id, box.SourceLogin);
                row.Record(!failed, failed ? "authentication refused by the source" : "seeded", RunStatisticsSerializer.Write(stats));
                db.Add(row);
            }
        }

        if (runActive)
        {
            db.Runs.Add(new Run(job.Id, RunKind.Delta, RunTrigger.Scheduled, "seed", now));
        }

        await db.SaveChangesAsync();
        await services.GetRequiredService<GateService>().EvaluateAsync(job.Id);
        return job.Id;
    }

    public static Task<Guid> ReadyJobAsync(IServiceProvider services, string domain, string? ticketId = null) =>
        JobAsync(services, domain, [new SeedMailbox("ana@" + domain, 10_000, 9_950), new SeedMailbox("bo@" + domain, 2_000, 2_000)], ticketId: ticketId);

    /// <summary>Adds a run of <paramref name="kind"/> that failed just now (what the pipeline stores before it evaluates the gate).</summary>
    public static async Task AddFailedRunAsync(IServiceProvider services, Guid jobId, RunKind kind = RunKind.Delta)
    {
        var factory = services.GetRequiredService<IDbContextFactory<LigboxDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var run = new Run(jobId, kind, RunTrigger.Scheduled, "seed", DateTime.UtcNow);
        run.Start(DateTime.UtcNow, "failed.log");
        run.Fail(DateTime.UtcNow.AddSeconds(1), "1 of 2 mailbox(es) failed: bo: authentication refused by the source");
        db.Runs.Add(run);
        await db.SaveChangesAsync();
    }

    /// <summary>Adds a queued run that nothing executes: the job has an active run for as long as the test looks.</summary>
    public static async Task AddQueuedRunAsync(IServiceProvider services, Guid jobId, RunKind kind = RunKind.Delta)
    {
        var factory = services.GetRequiredService<IDbContextFactory<LigboxDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        db.Runs.Add(new Run(jobId, kind, RunTrigger.Manual, "seed", DateTime.UtcNow));
        await db.SaveChangesAsync();
    }
}
