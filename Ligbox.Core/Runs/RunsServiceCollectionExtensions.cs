using System.Collections.Specialized;
using System.Security.Cryptography;
using System.Text;
using Ligbox.Core.Storage;
using Ligbox.Core.Sync;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Ligbox.Core.Runs;

public static class RunsServiceCollectionExtensions
{
    /// <summary>
    /// Runs on Quartz with its persistent store in the console database (schema created if missing),
    /// the executor, the progress notifier and start-up recovery. Register after the database initialiser.
    /// </summary>
    public static IServiceCollection AddLigboxRuns(this IServiceCollection services, DataDirectory dataDir, string connectionString)
    {
        services.AddOptions<RunsOptions>().BindConfiguration(RunsOptions.Section);
        services.AddSingleton<EfSyncStateStore>();
        services.AddSingleton<ImapsyncPass>();
        services.AddSingleton<RunProgressNotifier>();
        services.AddSingleton<MailboxSlots>();
        services.AddSingleton<RunExecutor>();
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
