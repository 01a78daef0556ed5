using Ligbox.Core.Runs;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Tests.Runs;

public class MailboxSlotsTests
{
    [Fact]
    public async Task NeverRunsMoreMailboxesThanTheCap_AcrossRunsStartedTogether()
    {
        var slots = new MailboxSlots(Options.Create(new RunsOptions { MaxConcurrentMailboxes = 3 }));
        var current = 0;
        var peak = 0;
        var waited = 0;

        async Task<int> Body(int item, CancellationToken ct)
        {
            var now = Interlocked.Increment(ref current);
            InterlockedMax(ref peak, now);
            await Task.Delay(30, ct);
            Interlocked.Decrement(ref current);
            return item * 10;
        }

        // Three "runs" of five mailboxes each start at once: 15 mailboxes, 3 slots.
        var runs = Enumerable.Range(0, 3).Select(r =>
            slots.ForEachAsync(Enumerable.Range(r * 5, 5).ToList(), Body, _ => Interlocked.Increment(ref waited), CancellationToken.None)).ToList();
        var results = await Task.WhenAll(runs);

        Assert.Equal(3, peak);
        Assert.True(waited > 0, "some mailboxes must have waited for a slot");
        for (var r = 0; r < 3; r++)
        {
            Assert.Equal(Enumerable.Range(r * 5, 5).Select(i => i * 10), results[r]);
        }

        Assert.Equal(0, slots.InUse);
    }

    [Fact]
    public async Task ReleasesTheSlot_WhenAMailboxThrowsOrIsCancelled()
    {
        var slots = new MailboxSlots(Options.Create(new RunsOptions { MaxConcurrentMailboxes = 1 }));
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            slots.ForEachAsync<int, int>([1], (_, _) => throw new InvalidOperationException("boom"), null, CancellationToken.None));
        Assert.Equal(0, slots.InUse);

        using var cts = new CancellationTokenSource();
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var blocker = slots.ForEachAsync<int, int>([1], async (_, ct) =>
        {
            holding.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return 0;
        }, null, cts.Token);
        // Parallel.ForEachAsync may start the body later: only once it holds the one slot must the next item wait.
        await holding.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, slots.InUse);
        var waiting = new TaskCompletionSource();
        var queued = slots.ForEachAsync<int, int>([2], (i, _) => Task.FromResult(i), _ => waiting.TrySetResult(), CancellationToken.None);
        await waiting.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(queued.IsCompleted);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocker);
        Assert.Equal([2], await queued.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(0, slots.InUse);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
