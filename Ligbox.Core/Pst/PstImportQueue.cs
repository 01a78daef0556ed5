using System.Threading.Channels;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Tools.Readpst;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Pst;

/// <summary>Run ids waiting to be imported, in order.</summary>
public sealed class PstImportQueue
{
    private readonly Channel<Guid> _channel = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });

    public ValueTask EnqueueAsync(Guid runId, CancellationToken ct) => _channel.Writer.WriteAsync(runId, ct);

    internal IAsyncEnumerable<Guid> ReadAllAsync(CancellationToken ct) => _channel.Reader.ReadAllAsync(ct);
}

/// <summary>Executes queued PST runs one at a time (imports are disk and CPU heavy).</summary>
internal sealed class PstImportWorker(PstImportQueue queue, IServiceScopeFactory scopes, ILogger<PstImportWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The queue lives in memory: after a restart, runs still queued or interrupted are queued again
        // (an interrupted import starts over and skips what it had appended).
        try
        {
            await RequeuePendingAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Pending PST runs could not be re-queued");
        }

        await foreach (var runId in queue.ReadAllAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<PstImportService>().ExecuteAsync(runId, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "PST run {RunId} could not be executed", runId);
            }
        }
    }

    private async Task RequeuePendingAsync(CancellationToken stoppingToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<LigboxDbContext>>().CreateDbContextAsync(stoppingToken);
        var pending = await db.Runs.Where(r => r.Kind == RunKind.Pst && (r.Status == RunStatus.Queued || r.Status == RunStatus.Interrupted))
            .OrderBy(r => r.QueuedAtUtc).Select(r => r.Id).ToListAsync(stoppingToken);
        foreach (var runId in pending)
        {
            await queue.EnqueueAsync(runId, stoppingToken);
        }
    }
}

public static class PstServiceCollectionExtensions
{
    /// <summary>The PST/mbox import: importer, queue, worker and service (readpst comes from the tools registration).</summary>
    public static IServiceCollection AddPstImport(this IServiceCollection services)
    {
        // A factory: IReadpstRunner is registered by AddLigboxTools, which Core-only hosts do not call.
        services.AddOptions<PstImportOptions>().BindConfiguration(PstImportOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new PstImporter(sp.GetRequiredService<IReadpstRunner>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<PstImportOptions>>().Value));
        services.AddSingleton<PstImportQueue>();
        services.AddScoped<PstImportService>();
        services.AddHostedService<PstImportWorker>();
        return services;
    }
}