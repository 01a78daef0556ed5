using Ligbox.Core.Audit;
using Ligbox.Core.Nodes;
using Ligbox.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Runs;

/// <summary>
/// At start-up (after the migrations), for every kind of run: runs the previous process left <c>Running</c>
/// (killed) or <c>Interrupted</c> (stopped) are, with <c>Ligbox:Runs:AutoResume</c>, marked
/// <see cref="RunStatus.Resuming"/> with the trigger <see cref="RunTrigger.Recovery"/> and queued again on
/// Quartz; without it they are marked <c>Interrupted</c> and wait for a technician to start a new run or
/// cancel them. A resumed pass skips what was already copied: the native engine through its state store,
/// imapsync and imports because they skip messages already on the destination.
/// On PostgreSQL (several nodes) only the runs of this node, of no node, or of a dead node are taken (<see cref="RunTakeover"/>).
/// </summary>
internal sealed class RunRecoveryService(RunTakeover takeover) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => takeover.TakeOverAsync(atStartup: true, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// The one place that takes runs over (issue 17): the start-up recovery and, on PostgreSQL, the periodic sweep of
/// <see cref="NodeHeartbeatService"/>. On SQLite (one process) the start-up takes every run left active, as it always
/// did. On PostgreSQL a run is taken only when no node holds it, this node held it before it restarted, or its node is
/// dead (stopped cleanly, or its heartbeat older than <c>Ligbox:Node:HeartbeatTimeout</c>): never a run of a live node.
/// Each run is written on its own with its version, so of two nodes sweeping at once only one takes it.
/// </summary>
public sealed class RunTakeover(IDbContextFactory<LigboxDbContext> dbFactory, RunScheduler scheduler, AuditLog audit,
    IOptions<RunsOptions> options, IOptions<NodeOptions> nodeOptions, NodeIdentity node, LigboxDatabase database, TimeProvider clock,
    ILogger<RunTakeover> logger)
{
    /// <summary>Takes over the orphaned runs; returns how many were queued again (or interrupted without auto-resume).</summary>
    public async Task<int> TakeOverAsync(bool atStartup, CancellationToken cancellationToken)
    {
        if (!atStartup && !database.IsPostgreSql)
        {
            return 0; // one process on SQLite: nobody else can hold a run
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var cut = await db.Runs.Where(r => r.Status == RunStatus.Running || r.Status == RunStatus.Interrupted || r.Status == RunStatus.Resuming)
            .ToListAsync(cancellationToken);
        var deadNodes = new Dictionary<string, ConsoleNode?>(StringComparer.Ordinal);
        if (database.IsPostgreSql)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var nodes = await db.Nodes.AsNoTracking().ToDictionaryAsync(n => n.Id, StringComparer.Ordinal, cancellationToken);
            var timeout = nodeOptions.Value.HeartbeatTimeout;
            cut = cut.Where(r =>
            {
                if (r.NodeId is null || (atStartup && r.NodeId == node.Id))
                {
                    return true; // held by nobody, or by this node before it restarted
                }

                if (r.NodeId == node.Id)
                {
                    return false; // this node's own, live
                }

                var holder = nodes.GetValueOrDefault(r.NodeId);
                if (holder is not null && holder.IsAlive(now, timeout))
                {
                    return false; // a live node's run is never taken
                }

                deadNodes[r.NodeId] = holder;
                return true;
            }).ToList();
        }

        if (!options.Value.AutoResume)
        {
            var interrupted = 0;
            foreach (var run in cut.Where(r => r.Status == RunStatus.Running))
            {
                run.Interrupt("The console stopped during the run; automatic resume is off (Ligbox:Runs:AutoResume): start a new run or cancel this one.");
                interrupted += await SaveAsync(db, cancellationToken) ? 1 : 0;
            }

            return interrupted;
        }

        var queued = new List<Run>();
        foreach (var run in cut)
        {
            var dead = run.NodeId is { } holder && deadNodes.ContainsKey(holder);
            logger.LogInformation("Resuming interrupted run {RunId} ({Kind}) of job {JobId}{From}", run.Id, run.Kind, run.JobId,
                dead ? $" from node {run.NodeId}" : "");
            var reason = dead
                ? $"Node {run.NodeId} stopped answering during the run; node {node.Id} queued it again and it continues where it stopped."
                : "The console stopped during the run; it is queued again and continues where it stopped.";
            var from = dead ? run.NodeId : null;
            run.MarkResuming(reason, database.IsPostgreSql ? node.Id : null);
            audit.Add(db, "system", "run.resumed", "run", run.Id,
                from is null ? new { kind = run.Kind.ToString() } : new { kind = run.Kind.ToString(), fromNode = from, byNode = node.Id }, run.JobId);
            if (await SaveAsync(db, cancellationToken))
            {
                queued.Add(run);
            }
        }

        foreach (var run in queued)
        {
            await scheduler.ScheduleAsync(run.Id, cancellationToken);
        }

        return queued.Count;
    }

    /// <summary>Saves one run's take-over (and what is pending with it); false when another writer changed it first.</summary>
    private static async Task<bool> SaveAsync(LigboxDbContext db, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another node took it over, or it started or ended meanwhile: its state stands. Forget this run's pending
            // change and its audit line, keep the others.
            foreach (var entry in db.ChangeTracker.Entries().Where(e => e.State != EntityState.Unchanged).ToList())
            {
                entry.State = EntityState.Detached;
            }

            return false;
        }
    }
}
