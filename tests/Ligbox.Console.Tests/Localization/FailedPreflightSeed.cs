using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Localization;

/// <summary>A pre-flight that failed a minute after it was queued, for the job's only mailbox (the runs panel in a language).</summary>
public static class FailedPreflightSeed
{
    /// <summary>Writes the run and its mailbox line; returns the run's id.</summary>
    public static async Task<Guid> AddAsync(IServiceProvider services, Guid jobId, string requestedBy, DateTime queuedUtc)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<LigboxDbContext>>().CreateDbContextAsync();
        var mailbox = await db.Mailboxes.SingleAsync(m => m.JobId == jobId);
        var run = new Run(jobId, RunKind.Preflight, RunTrigger.Manual, requestedBy, queuedUtc);
        run.Start(queuedUtc.AddSeconds(5), "/tmp/none.log");
        run.Fail(queuedUtc.AddSeconds(65), "Pre-flight failed for 1 of 1 mailbox(es)");
        db.Runs.Add(run);
        var item = new RunMailbox(run.Id, mailbox.Id, mailbox.SourceLogin);
        item.Record(false, "The source server refused the password.", null);
        db.Add(item);
        await db.SaveChangesAsync();
        return run.Id;
    }
}
