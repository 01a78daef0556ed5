using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Nodes;

/// <summary>One node as the Nodes page and <c>GET /api/nodes</c> show it.</summary>
public sealed record NodeDto(
    string Id,
    NodeRole Role,
    string Host,
    string Version,
    DateTime StartedAtUtc,
    DateTime LastHeartbeatAtUtc,
    DateTime? StoppedAtUtc,
    bool Alive,
    bool IsThisNode,
    int MaxConcurrentRuns,
    int MaxConcurrentMailboxes,
    int RunsRunning);

/// <summary>The nodes of the deployment with their heartbeats and running runs (read-only: reading never writes).</summary>
public sealed class NodeService(IDbContextFactory<LigboxDbContext> dbFactory, NodeIdentity node, IOptions<NodeOptions> options, TimeProvider clock)
{
    public async Task<IReadOnlyList<NodeDto>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var nodes = await db.Nodes.AsNoTracking().ToListAsync(ct);
        var running = (await db.Runs.AsNoTracking().Where(r => r.Status == RunStatus.Running && r.NodeId != null).Select(r => r.NodeId!).ToListAsync(ct))
            .GroupBy(id => id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var now = clock.GetUtcNow().UtcDateTime;
        var timeout = options.Value.HeartbeatTimeout;
        return nodes
            .Select(n => new NodeDto(n.Id, n.Role, n.Host, n.AppVersion, n.StartedAtUtc, n.HeartbeatAtUtc, n.StoppedAtUtc, n.IsAlive(now, timeout),
                n.Id == node.Id, n.MaxConcurrentRuns, n.MaxConcurrentMailboxes, running.GetValueOrDefault(n.Id)))
            .OrderByDescending(n => n.Alive).ThenBy(n => n.Id, StringComparer.Ordinal)
            .ToList();
    }
}
