using System.Threading.Channels;
using Ligbox.Tools.NativeImap;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>
/// Issue 18: a lane holds the bodies of two units at most (the one being appended, the one being fetched). The
/// producer fetched the next unit's bodies as soon as it had handed one over, so a third, fetched unit waited in the
/// channel while the appender was busy: a third more memory per mailbox.
/// </summary>
public sealed class UnitHandOverTests
{
    [Fact]
    public async Task WithASlowAppender_NoMoreThanTwoUnitsHoldBodies()
    {
        var channel = Channel.CreateBounded<int>(1);
        var holding = 0;
        var mostHeld = 0;
        var fetched = new List<int>();

        var producer = Task.Run(async () =>
        {
            for (var unit = 0; unit < 8; unit++)
            {
                await MailboxSyncRun.HandOverAsync(channel.Writer, unit, (u, _) =>
                {
                    lock (fetched)
                    {
                        fetched.Add(u);
                        holding++;
                        mostHeld = Math.Max(mostHeld, holding);
                    }

                    return Task.CompletedTask;
                }, CancellationToken.None);
            }

            channel.Writer.Complete();
        });

        var appended = new List<int>();
        await foreach (var unit in channel.Reader.ReadAllAsync())
        {
            // The appender is the slow side: the producer has all the time it wants to run ahead.
            await Task.Delay(40);
            appended.Add(unit);
            lock (fetched)
            {
                holding--;
            }
        }

        await producer;
        Assert.Equal(Enumerable.Range(0, 8), appended);
        Assert.Equal(Enumerable.Range(0, 8), fetched);
        Assert.Equal(2, mostHeld);
    }

    [Fact]
    public async Task AClosedChannel_StopsTheProducerBeforeItFetches()
    {
        var channel = Channel.CreateBounded<int>(1);
        channel.Writer.Complete();
        var fetches = 0;

        await Assert.ThrowsAsync<ChannelClosedException>(() =>
            MailboxSyncRun.HandOverAsync(channel.Writer, 1, (_, _) => { fetches++; return Task.CompletedTask; }, CancellationToken.None));
        Assert.Equal(0, fetches);
    }
}
