using Ligbox.Core.Jobs;
using Ligbox.Core.Nodes;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Nodes;

/// <summary>Rows another node leaves in the database: its heartbeat and a run it holds.</summary>
internal static class NodeRows
{
    /// <summary>A worker node whose last heartbeat was at <paramref name="heartbeatAtUtc"/>, holding one running run.</summary>
    public static async Task AddWorkerWithARunAsync(IServiceProvider services, string id, DateTime heartbeatAtUtc)
    {
        var dbFactory = services.GetRequiredService<IDbContextFactory<LigboxDbContext>>();
        await using var db = await dbFactory.CreateDbContextAsync();
        db.Nodes.Add(new ConsoleNode(id, NodeRole.Worker, "ligbox-migration", "1.4.0", Guid.NewGuid(), 2, 8, heartbeatAtUtc.AddMinutes(-30)));
        var job = new MigrationJob($"n{Guid.NewGuid():N}"[..10] + ".example.com", "", null, new ServerEndpoint { Host = "127.0.0.1", Port = 1 },
            new ServerEndpoint { Host = "127.0.0.1", Port = 1 }, SyncEngineKind.Native, new JobOptions(), "test", DateTime.UtcNow);
        db.Jobs.Add(job);
        var run = new Run(job.Id, RunKind.Initial, RunTrigger.Manual, "test", DateTime.UtcNow.AddMinutes(-5));
        run.Start(DateTime.UtcNow.AddMinutes(-5), "log", id);
        db.Runs.Add(run);
        await db.SaveChangesAsync();
        await db.Nodes.Where(n => n.Id == id).ExecuteUpdateAsync(s => s.SetProperty(n => n.HeartbeatAtUtc, heartbeatAtUtc));
    }
}
