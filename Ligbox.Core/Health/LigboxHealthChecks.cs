using System.ComponentModel.DataAnnotations;
using Ligbox.Core.Persistence;
using Ligbox.Core.Storage;
using Ligbox.Tools.Inventory;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace Ligbox.Core.Health;

/// <summary>Thresholds of <c>/healthz</c>, bound from <c>Ligbox:Health</c>.</summary>
public sealed class HealthOptions
{
    public const string Section = "Ligbox:Health";

    /// <summary>Below this many free bytes on the data directory's file system the console is unhealthy (uploads and extractions would fail).</summary>
    [Range(0, long.MaxValue)]
    public long MinFreeBytes { get; set; } = 1L << 30;
}

public static class HealthServiceCollectionExtensions
{
    /// <summary>
    /// The checks behind <c>/healthz</c>: the database, the data directory (writable, free space), the Quartz scheduler
    /// and the external tools. Their answers carry plain words and figures only: no paths, no exception texts.
    /// </summary>
    public static IServiceCollection AddLigboxHealthChecks(this IServiceCollection services)
    {
        services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // A singleton: it keeps the tool probes (a process start each) for a minute between health requests.
        services.AddSingleton<ToolsHealthCheck>();
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database")
            .AddCheck<DataDirectoryHealthCheck>("dataDirectory")
            .AddCheck<SchedulerHealthCheck>("scheduler")
            .AddCheck<ToolsHealthCheck>("tools");
        return services;
    }
}

/// <summary>The console database answers a query.</summary>
internal sealed class DatabaseHealthCheck(IDbContextFactory<LigboxDbContext> dbFactory, ILogger<DatabaseHealthCheck> logger) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var jobs = await db.Jobs.CountAsync(cancellationToken);
            return HealthCheckResult.Healthy("The database answers.", new Dictionary<string, object> { ["jobs"] = jobs });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Health check: the database cannot be read");
            return HealthCheckResult.Unhealthy("The database cannot be read; see the console's log.");
        }
    }
}

/// <summary>Every directory of the data directory takes a file, and its file system has room.</summary>
internal sealed class DataDirectoryHealthCheck(DataDirectory dataDir, IOptions<HealthOptions> options, ILogger<DataDirectoryHealthCheck> logger) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var notWritable = new List<string>();
        foreach (var directory in dataDir.AllDirectories)
        {
            var probe = Path.Combine(directory, $".healthz-{Guid.NewGuid():N}");
            try
            {
                await File.WriteAllBytesAsync(probe, [1], cancellationToken);
                File.Delete(probe);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(ex, "Health check: cannot write in {Directory}", directory);
                notWritable.Add(directory == dataDir.Root ? "the data directory itself" : Path.GetRelativePath(dataDir.Root, directory));
            }
        }

        var free = new DriveInfo(dataDir.Root).AvailableFreeSpace;
        var min = options.Value.MinFreeBytes;
        var data = new Dictionary<string, object> { ["freeBytes"] = free, ["minFreeBytes"] = min };
        if (notWritable.Count > 0)
        {
            return HealthCheckResult.Unhealthy($"Cannot write in {string.Join(", ", notWritable)} of the data directory.", data: data);
        }

        return free < min
            ? HealthCheckResult.Unhealthy($"Only {free / (1 << 20):N0} MiB free on the data directory's disk (Ligbox:Health:MinFreeBytes is {min / (1 << 20):N0} MiB).", data: data)
            : HealthCheckResult.Healthy($"Writable, {free / (1 << 20):N0} MiB free.", data);
    }
}

/// <summary>The Quartz scheduler that runs the migration runs is started and not paused.</summary>
internal sealed class SchedulerHealthCheck(ISchedulerFactory schedulers, Nodes.NodeIdentity node) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var status = scheduler.Status;
        var data = new Dictionary<string, object> { ["status"] = status.ToString(), ["node"] = node.Id, ["role"] = node.Role.ToString().ToLowerInvariant() };
        if (!node.RunsWork)
        {
            // issue 17: a web node queues runs on the clustered store; its scheduler is deliberately not started.
            return HealthCheckResult.Healthy("This web node queues runs; worker nodes execute them.", data);
        }

        return status == SchedulerStatus.Running
            ? HealthCheckResult.Healthy("The run scheduler is running.", data)
            : HealthCheckResult.Unhealthy("The run scheduler is not running: no run would start.", data: data);
    }
}

/// <summary>
/// readpst, imapsync and doveadm are found. A missing one is <see cref="HealthStatus.Degraded"/>, not unhealthy: the
/// console works without it, only the runs that need it cannot start (they say so in plain words).
/// </summary>
internal sealed class ToolsHealthCheck(IServiceProvider services, TimeProvider clock) : IHealthCheck
{
    private static readonly TimeSpan ProbeEvery = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _probing = new(1, 1);
    private (DateTimeOffset At, HealthCheckResult Result)? _last;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await _probing.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } last && clock.GetUtcNow() - last.At < ProbeEvery)
            {
                return last.Result;
            }

            var result = await ProbeAsync(cancellationToken);
            _last = (clock.GetUtcNow(), result);
            return result;
        }
        finally
        {
            _probing.Release();
        }
    }

    private async Task<HealthCheckResult> ProbeAsync(CancellationToken cancellationToken)
    {
        // The tools are registered by AddLigboxTools, which a Core-only host does not call.
        if (services.GetService<IToolInventory>() is not { } inventory)
        {
            return HealthCheckResult.Degraded("The external tools are not part of this host.");
        }

        var tools = await inventory.DetectAsync(cancellationToken);
        var data = tools.ToDictionary(t => t.Name, t => (object)(t.Installed ? t.Version ?? "found" : "missing"));
        var missing = tools.Where(t => !t.Installed).Select(t => t.Name).ToList();
        return missing.Count == 0
            ? HealthCheckResult.Healthy("readpst, imapsync and doveadm are found.", data)
            : HealthCheckResult.Degraded($"Not found: {string.Join(", ", missing)}; runs that need {(missing.Count == 1 ? "it" : "them")} cannot start.", data: data);
    }
}
