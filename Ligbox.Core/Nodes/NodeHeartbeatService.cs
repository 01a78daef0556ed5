using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Nodes;

/// <summary>
/// The one writer of this node's row in <c>Nodes</c> (issue 17): every <c>Ligbox:Node:HeartbeatInterval</c> it writes the
/// heartbeat; at a clean stop it marks the node stopped. On PostgreSQL each beat also (1) stops executing runs this node
/// no longer holds (cancelled from another node, or taken over while this node's heartbeat was stale) and (2) sweeps:
/// takes over the runs of dead nodes through <see cref="RunTakeover"/>.
/// </summary>
public sealed class NodeHeartbeatService(IDbContextFactory<LigboxDbContext> dbFactory, NodeIdentity node, IOptions<NodeOptions> options,
    IOptions<RunsOptions> runsOptions, LigboxDatabase database, RunPipeline pipeline, RunTakeover takeover, TimeProvider clock,
    ILogger<NodeHeartbeatService> logger) : BackgroundService
{
    private bool _warnedAboutTwin;

    /// <summary>Writes the first heartbeat before the host finishes starting, so the node is listed from its first second.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await BeatSafelyAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await BeatSafelyAsync(stoppingToken);
                if (database.IsPostgreSql)
                {
                    await FenceAsync(stoppingToken);
                    await SweepAsync(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var now = clock.GetUtcNow().UtcDateTime;
            await db.Nodes.Where(n => n.Id == node.Id && n.InstanceId == node.InstanceId)
                .ExecuteUpdateAsync(s => s.SetProperty(n => n.StoppedAtUtc, now).SetProperty(n => n.HeartbeatAtUtc, now), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not mark node {NodeId} stopped", node.Id);
        }
    }

    private async Task BeatSafelyAsync(CancellationToken ct)
    {
        try
        {
            await BeatAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A missed beat is not fatal: the next one tries again (after the timeout other nodes would take this node's runs).
            logger.LogWarning(ex, "Could not write the heartbeat of node {NodeId}", node.Id);
        }
    }

    /// <summary>One heartbeat: an update of this node's row, or its insert on the node's first start.</summary>
    internal async Task BeatAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var o = options.Value;
        var mailboxes = Math.Max(1, runsOptions.Value.MaxConcurrentMailboxes);
        var runs = node.RunsWork ? o.MaxConcurrentRuns : 0;
        var twin = await db.Nodes.AsNoTracking().Where(n => n.Id == node.Id).Select(n => new { n.InstanceId, n.HeartbeatAtUtc, n.StoppedAtUtc })
            .SingleOrDefaultAsync(ct);
        if (twin is not null && twin.InstanceId != node.InstanceId && twin.StoppedAtUtc is null && now - twin.HeartbeatAtUtc < o.HeartbeatInterval
            && !_warnedAboutTwin)
        {
            _warnedAboutTwin = true;
            logger.LogWarning("Another process wrote the heartbeat of node {NodeId} a moment ago: give each process its own Ligbox:Node:Id", node.Id);
        }

        var updated = await db.Nodes.Where(n => n.Id == node.Id).ExecuteUpdateAsync(s => s
            .SetProperty(n => n.HeartbeatAtUtc, now)
            .SetProperty(n => n.InstanceId, node.InstanceId)
            .SetProperty(n => n.Role, node.Role)
            .SetProperty(n => n.Host, node.Host)
            .SetProperty(n => n.AppVersion, node.Version)
            .SetProperty(n => n.MaxConcurrentRuns, runs)
            .SetProperty(n => n.MaxConcurrentMailboxes, mailboxes)
            .SetProperty(n => n.StoppedAtUtc, (DateTime?)null)
            .SetProperty(n => n.StartedAtUtc, n => n.InstanceId == node.InstanceId ? n.StartedAtUtc : now), ct);
        if (updated == 0)
        {
            db.Nodes.Add(new ConsoleNode(node.Id, node.Role, node.Host, node.Version, node.InstanceId, runs, mailboxes, now));
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // Inserted by another process with the same id at the same moment: the next beat updates it.
            }
        }
    }

    /// <summary>Stops executing the runs this node no longer holds: cancelled elsewhere, or taken over by another node.</summary>
    private async Task FenceAsync(CancellationToken ct)
    {
        var claimed = pipeline.ClaimedRuns;
        if (claimed.Count == 0)
        {
            return;
        }

        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var rows = await db.Runs.AsNoTracking().Where(r => claimed.Contains(r.Id)).Select(r => new { r.Id, r.Status, r.NodeId, r.Message }).ToListAsync(ct);
            foreach (var row in rows)
            {
                if (row.Status == RunStatus.Cancelled)
                {
                    // Cancelled through another node: stop the engine here; the pipeline records nothing over the cancel.
                    pipeline.RequestCancel(row.Id, "another node");
                }
                else if (row.Status is RunStatus.Running or RunStatus.Resuming && row.NodeId != node.Id)
                {
                    pipeline.Abandon(row.Id);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not check the runs of node {NodeId}", node.Id);
        }
    }

    private async Task SweepAsync(CancellationToken ct)
    {
        try
        {
            var taken = await takeover.TakeOverAsync(atStartup: false, ct);
            if (taken > 0)
            {
                logger.LogWarning("Node {NodeId} took over {Count} run(s) of dead nodes", node.Id, taken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Node {NodeId} could not look for runs of dead nodes", node.Id);
        }
    }
}
