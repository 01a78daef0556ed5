using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Uploads;

/// <summary>Runs <see cref="TusUploadStore.CleanupExpiredAsync"/> at start and every CleanupInterval.</summary>
public sealed partial class UploadCleanupService(
    TusUploadStore store,
    IOptions<UploadOptions> options,
    TimeProvider time,
    ILogger<UploadCleanupService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CleanupInterval, time);
        do
        {
            try
            {
                var removed = await store.CleanupExpiredAsync(stoppingToken);
                if (removed > 0)
                {
                    LogRemoved(removed);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(LogLevel.Information, "Upload cleanup removed {Count} expired uploads")]
    private partial void LogRemoved(int count);

    [LoggerMessage(LogLevel.Error, "Upload cleanup failed; will retry at the next interval")]
    private partial void LogFailed(Exception exception);
}
