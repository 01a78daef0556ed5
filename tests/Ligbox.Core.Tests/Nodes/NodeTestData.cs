using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Nodes;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Tests.Nodes;

/// <summary>Rows as other nodes leave them: a node with its heartbeat, and a run it started.</summary>
internal static class NodeTestData
{
    /// <summary>A node row as that node's heartbeat writes it, last beat at <paramref name="heartbeatAtUtc"/>; stopped cleanly when <paramref name="stopped"/>.</summary>
    public static async Task AddNodeAsync(IDbContextFactory<LigboxDbContext> dbFactory, string id, DateTime heartbeatAtUtc, bool stopped = false)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        db.Nodes.Add(new ConsoleNode(id, NodeRole.Worker, "host-" + id, "1.0", Guid.NewGuid(), 4, 4, heartbeatAtUtc.AddMinutes(-1)));
        await db.SaveChangesAsync();
        await db.Nodes.Where(n => n.Id == id).ExecuteUpdateAsync(s => s.SetProperty(n => n.HeartbeatAtUtc, heartbeatAtUtc)
            .SetProperty(n => n.StoppedAtUtc, stopped ? heartbeatAtUtc : null));
    }

    /// <summary>A job with one mailbox (servers that refuse at once) and an initial run of it that node <paramref name="nodeId"/> started.</summary>
    public static async Task<Guid> AddRunningRunAsync(IDbContextFactory<LigboxDbContext> dbFactory, string? nodeId)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var job = new MigrationJob($"n{Guid.NewGuid():N}"[..10] + ".example.com", "", null, new ServerEndpoint { Host = "127.0.0.1", Port = 1 },
            new ServerEndpoint { Host = "127.0.0.1", Port = 1 }, SyncEngineKind.Native, new JobOptions(), "test", DateTime.UtcNow);
        db.Jobs.Add(job);
        var mailbox = new Mailbox(job.Id, "ana@example.com", "x", "ana@example.com", "y", null, DateTime.UtcNow);
        db.Add(mailbox);
        var run = new Run(job.Id, RunKind.Initial, RunTrigger.Manual, "test", DateTime.UtcNow.AddMinutes(-5));
        var row = new RunMailbox(run.Id, mailbox.Id, mailbox.SourceLogin);
        run.Start(DateTime.UtcNow.AddMinutes(-5), "log", nodeId);
        row.MarkRunning();
        db.Runs.Add(run);
        db.Add(row);
        await db.SaveChangesAsync();
        return run.Id;
    }

    public static async Task<Run> RunAsync(IDbContextFactory<LigboxDbContext> dbFactory, Guid runId)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId);
    }

    public static async Task<int> ResumedEntriesAsync(IDbContextFactory<LigboxDbContext> dbFactory, Guid runId)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var id = runId.ToString();
        return await db.AuditEntries.CountAsync(a => a.Action == "run.resumed" && a.EntityId == id);
    }
}
