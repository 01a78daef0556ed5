using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Uploads;

/// <summary>Runs <see cref="TusUploadStore.CleanupExpiredAsync"/> at start and every CleanupInterval.</summary>
/// <remarks>
/// Also deletes finished uploads older than <see cref="UploadOptions.CompletedRetention"/> that no unfinished import
/// names, where an <see cref="IUploadsInUse"/> is registered (the console's; a bare tus host keeps finished uploads).
/// </remarks>
public sealed partial class UploadCleanupService(
    TusUploadStore store,
    IOptions<UploadOptions> options,
    TimeProvider time,
    IEnumerable<IUploadsInUse> inUse,
    ILogger<UploadCleanupService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CleanupInterval, time);
        // The first round runs while the host starts, before the database initialiser has created the tables: the
        // retention of finished uploads, which reads the runs, waits for the first tick.
        await RoundAsync(withRetention: false, stoppingToken);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await RoundAsync(withRetention: true, stoppingToken);
        }
    }

    private async Task RoundAsync(bool withRetention, CancellationToken ct)
    {
        try
        {
            var removed = await store.CleanupExpiredAsync(ct);
            if (removed > 0)
            {
                LogRemoved(removed);
            }

            if (withRetention)
            {
                await CleanupFinishedAsync(ct);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex);
        }
    }

    /// <summary>One round of the retention of finished uploads (none without an <see cref="IUploadsInUse"/>).</summary>
    internal async Task<int> CleanupFinishedAsync(CancellationToken ct)
    {
        var providers = inUse.ToList();
        if (providers.Count == 0)
        {
            return 0;
        }

        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var provider in providers)
        {
            keep.UnionWith(await provider.PathsAsync(ct));
        }

        return await store.CleanupCompletedAsync(time.GetUtcNow() - options.Value.CompletedRetention, keep, ct);
    }

    [LoggerMessage(LogLevel.Information, "Upload cleanup removed {Count} expired uploads")]
    private partial void LogRemoved(int count);

    [LoggerMessage(LogLevel.Error, "Upload cleanup failed; will retry at the next interval")]
    private partial void LogFailed(Exception exception);
}
