using Microsoft.Extensions.Options;

namespace Ligbox.Core.Runs;

/// <summary>
/// The console-wide cap on mailboxes synced at the same time (<see cref="RunsOptions.MaxConcurrentMailboxes"/>),
/// shared by every run of every job and by both engines. Quartz may execute several runs at once; without
/// one shared cap each would start its own mailboxes and the worker host would be oversubscribed.
/// </summary>
public sealed class MailboxSlots
{
    private readonly SemaphoreSlim _slots;

    public MailboxSlots(IOptions<RunsOptions> options)
    {
        Capacity = Math.Max(1, options.Value.MaxConcurrentMailboxes);
        _slots = new SemaphoreSlim(Capacity, Capacity);
    }

    public int Capacity { get; }

    /// <summary>Mailboxes being synced right now, across all runs.</summary>
    public int InUse => Capacity - _slots.CurrentCount;

    /// <summary>
    /// Runs <paramref name="body"/> for each item, each inside a slot, and returns the results in the items'
    /// order. <paramref name="waiting"/> is told about an item that has to wait because every slot is taken.
    /// </summary>
    public Task<IReadOnlyList<TResult>> ForEachAsync<TItem, TResult>(IReadOnlyList<TItem> items,
        Func<TItem, CancellationToken, Task<TResult>> body, Action<TItem>? waiting, CancellationToken ct) =>
        ForEachAsync(items, body, null, waiting, ct);

    /// <summary>
    /// The same, with at most <paramref name="maxAtOnce"/> of these items running at the same time (a job's own
    /// limit, e.g. a provider's connection cap); <c>null</c> for only the console-wide cap.
    /// </summary>
    public async Task<IReadOnlyList<TResult>> ForEachAsync<TItem, TResult>(IReadOnlyList<TItem> items,
        Func<TItem, CancellationToken, Task<TResult>> body, int? maxAtOnce, Action<TItem>? waiting, CancellationToken ct)
    {
        var results = new TResult[items.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(maxAtOnce ?? Capacity, 1, Capacity), CancellationToken = ct },
            async (i, token) =>
            {
                if (!_slots.Wait(0, CancellationToken.None))
                {
                    waiting?.Invoke(items[i]);
                    await _slots.WaitAsync(token);
                }

                try
                {
                    results[i] = await body(items[i], token);
                }
                finally
                {
                    _slots.Release();
                }
            });
        return results;
    }
}
