using System.Collections.Concurrent;
using Ligbox.Core.Runs;
using Microsoft.AspNetCore.SignalR;

namespace Ligbox.Console.Realtime;

/// <summary>
/// Fans <see cref="RunProgressNotifier"/> out to the hub's groups: for each (already debounced) update one
/// <c>RunUpdate</c> with the lines not sent yet and the latest figures, and for each status change one
/// <c>RunStatus</c> at once. Per run the sends are serialised, so every subscriber of a run receives the same
/// lines in the same order, and the lines written before a run ended arrive before its final status.
/// </summary>
internal sealed class RunsHubBroadcaster(RunProgressNotifier notifier, IHubContext<RunsHub> hub, IServiceScopeFactory scopes,
    ILogger<RunsHubBroadcaster> logger) : IHostedService
{
    private readonly ConcurrentDictionary<Guid, RunCursor> _cursors = new();
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = notifier.SubscribeAll(OnUpdateAsync);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    private async Task OnUpdateAsync(RunUpdate update)
    {
        var cursor = _cursors.GetOrAdd(update.RunId, _ => new RunCursor());
        await cursor.Gate.WaitAsync();
        try
        {
            var groups = new[] { RunsHub.JobGroup(update.JobId), RunsHub.RunGroup(update.RunId) };
            var lines = notifier.GetLinesSince(update.RunId, cursor.LastSeq);
            var progress = notifier.GetProgress(update.RunId);
            var final = false;
            if (progress.Count == 0 && update.StatusChanged && !cursor.FinalSent && notifier.GetFinalProgress(update.RunId) is { Count: > 0 } last)
            {
                // The run ended before the debounced push of its last figures: send them before the status.
                (progress, final) = (last, true);
            }

            if (lines.Count > 0 || final || (!update.StatusChanged && progress.Count > 0))
            {
                cursor.FinalSent |= final;
                if (lines.Count > 0)
                {
                    cursor.LastSeq = lines[^1].Seq;
                }

                await hub.Clients.Groups(groups).SendAsync("RunUpdate", new RunUpdateMessage(update.JobId, update.RunId, lines, progress));
            }

            if (update.StatusChanged)
            {
                await using var scope = scopes.CreateAsyncScope();
                var run = await scope.ServiceProvider.GetRequiredService<RunService>().GetAsync(update.RunId);
                await hub.Clients.Groups(groups).SendAsync("RunStatus", RunStatusMessage.From(run));
            }
        }
        catch (Exception ex)
        {
            // Pushing is best effort: a run must never fail because a listener could not be told.
            logger.LogWarning(ex, "Could not push an update of run {RunId} to the runs hub", update.RunId);
        }
        finally
        {
            cursor.Gate.Release();
        }
    }

    private sealed class RunCursor
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public long LastSeq;
        public bool FinalSent;
    }
}
