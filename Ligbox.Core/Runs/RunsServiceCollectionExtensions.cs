using Microsoft.Extensions.Configuration;
using System.Collections.Specialized;
using System.Security.Cryptography;
using System.Text;
using Ligbox.Core.Storage;
using Ligbox.Core.Sync;
using Ligbox.Tools.Engines;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Quartz;

namespace Ligbox.Core.Runs;

public static class RunsServiceCollectionExtensions
{
    /// <summary>
    /// Runs on Quartz with its persistent store in the console database (schema created if missing),
    /// the lifecycle shell (<see cref="RunPipeline"/>) with the pre-flight and sync handlers (imports add theirs),
    /// the engine registry (the engines are registered by AddLigboxTools), the progress notifier and start-up recovery. Register after the database initialiser.
    /// </summary>
    public static IServiceCollection AddLigboxRuns(this IServiceCollection services, DataDirectory dataDir, Persistence.LigboxDatabase database,
        IConfiguration configuration)
    {
        services.AddOptions<RunsOptions>().BindConfiguration(RunsOptions.Section);
        // issue 17: this process as a node (id, role, heartbeat); the run take-over for start-up and the sweep.
        services.AddOptions<Nodes.NodeOptions>().BindConfiguration(Nodes.NodeOptions.Section);
        services.AddSingleton<Nodes.NodeIdentity>();
        services.AddSingleton<RunTakeover>();
        services.AddScoped<Nodes.NodeService>();
        var nodeOptions = configuration.GetSection(Nodes.NodeOptions.Section).Get<Nodes.NodeOptions>() ?? new Nodes.NodeOptions();
        services.AddSingleton<EfSyncStateStore>();
        services.TryAddSingleton<EngineRegistry>();
        services.AddSingleton<RunProgressNotifier>();
        services.AddSingleton<MailboxSlots>();
        services.AddSingleton<SyncHandlerSupport>();
        services.AddSingleton<IRunHandler, PreflightHandler>();
        services.AddSingleton<IRunHandler, SyncPassHandler>();
        services.AddSingleton<RunPipeline>();
        services.AddSingleton<RunScheduler>();
        services.AddScoped<RunService>();

        if (database.IsPostgreSql)
        {
            // Several nodes on one PostgreSQL (issue 17): one clustered scheduler ("ligbox", one name for every node,
            // each node its own instance id), so any node picks up a queued run and a node that stops checking in
            // has its runs recovered by another. The tables come from Quartz's own script (DatabaseInitializer).
            services.AddQuartz(new NameValueCollection
            {
                ["quartz.scheduler.instanceName"] = "ligbox",
                ["quartz.scheduler.instanceId"] = "AUTO",
                // A run queued on another node cannot wake this node's scheduler: it finds it on its next poll.
                ["quartz.scheduler.idleWaitTime"] = ((long)nodeOptions.QueuePollInterval.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
            }, q =>
            {
                q.UseDefaultThreadPool(tp => tp.MaxConcurrency = Math.Clamp(nodeOptions.MaxConcurrentRuns, 1, 64));
                q.UsePersistentStore(store =>
                {
                    store.UsePostgres(database.ConnectionString);
                    store.UseSystemTextJsonSerializer();
                    store.UseClustering(c =>
                    {
                        c.CheckinInterval = TimeSpan.FromSeconds(5);
                        c.CheckinMisfireThreshold = TimeSpan.FromSeconds(20);
                    });
                    store.ProvisionSchema();
                });
            });
        }
        else
        {
            // One scheduler per data directory: stable across restarts, distinct between hosts in one process.
            var name = "ligbox-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(dataDir.Root)))[..12];
            services.AddQuartz(new NameValueCollection { ["quartz.scheduler.instanceName"] = name }, q =>
            {
                q.UseDefaultThreadPool(tp => tp.MaxConcurrency = 4);
                q.UsePersistentStore(store =>
                {
                    store.UseSqlite(database.ConnectionString);
                    store.UseSystemTextJsonSerializer();
                    store.ProvisionSchema();
                });
            });
        }

        services.AddHostedService<RunRecoveryService>();
        services.AddSingleton<Nodes.NodeHeartbeatService>();
        services.AddHostedService(sp => sp.GetRequiredService<Nodes.NodeHeartbeatService>());
        if (database.IsPostgreSql)
        {
            // Live progress across nodes (issue 17). Before the scheduler: it starts earlier and stops later, so
            // the last lines and the final status of runs that finish while the node stops are still sent.
            services.AddSingleton<Nodes.PostgreSqlLiveBackplane>();
            services.AddHostedService(sp => sp.GetRequiredService<Nodes.PostgreSqlLiveBackplane>());
        }

        // A web node queues runs on the clustered store but never starts its scheduler: it executes none.
        if (nodeOptions.Role != Nodes.NodeRole.Web)
        {
            services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        }

        return services;
    }
}
