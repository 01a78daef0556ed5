using Ligbox.Core.Runs;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Tests.Runs;

/// <summary>A job's own "mailboxes at once" (a provider preset's connection limit) inside the console-wide slots.</summary>
public class JobMailboxLimitTests
{
    private static async Task<int> PeakAsync(MailboxSlots slots, int? maxAtOnce)
    {
        var current = 0;
        var peak = 0;
        await slots.ForEachAsync(Enumerable.Range(0, 12).ToList(), async (i, ct) =>
        {
            var now = Interlocked.Increment(ref current);
            int seen;
            while ((seen = Volatile.Read(ref peak)) < now && Interlocked.CompareExchange(ref peak, now, seen) != seen)
            {
            }

            await Task.Delay(40, ct);
            Interlocked.Decrement(ref current);
            return i;
        }, maxAtOnce, null, CancellationToken.None);
        return peak;
    }

    [Fact]
    public async Task RunsAtMostTheJobsLimit_WhenItIsBelowTheConsolesCap()
    {
        var slots = new MailboxSlots(Options.Create(new RunsOptions { MaxConcurrentMailboxes = 8 }));

        Assert.Equal(2, await PeakAsync(slots, 2));
        Assert.Equal(0, slots.InUse);
    }

    [Fact]
    public async Task TheConsolesCapStillHolds_WhenTheJobAllowsMore()
    {
        var slots = new MailboxSlots(Options.Create(new RunsOptions { MaxConcurrentMailboxes = 3 }));

        Assert.Equal(3, await PeakAsync(slots, 10));
    }
}
