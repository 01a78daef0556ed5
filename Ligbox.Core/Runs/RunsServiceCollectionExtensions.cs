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
    public static IServiceCollection AddLigboxRuns(this IServiceCollection services, DataDirectory dataDir, string connectionString)
    {
        services.AddOptions<RunsOptions>().BindConfiguration(RunsOptions.Section);
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

        // One scheduler per data directory: stable across restarts, distinct between hosts in one process.
        var name = "ligbox-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(dataDir.Root)))[..12];
        services.AddQuartz(new NameValueCollection { ["quartz.scheduler.instanceName"] = name }, q =>
        {
            q.UseDefaultThreadPool(tp => tp.MaxConcurrency = 4);
            q.UsePersistentStore(store =>
            {
                store.UseSqlite(connectionString);
                store.UseSystemTextJsonSerializer();
                store.ProvisionSchema();
            });
        });
        services.AddHostedService<RunRecoveryService>();
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return services;
    }
}
