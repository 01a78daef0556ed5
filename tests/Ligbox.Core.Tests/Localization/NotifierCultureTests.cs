using System.Globalization;
using Ligbox.Core.Jobs;
using Ligbox.Core.Runs;

namespace Ligbox.Core.Tests.Localization;

/// <summary>
/// A page subscribes in its reader's culture; a run's thread (in the server's culture) tells it of a change. The handler
/// renders in the reader's culture, else a Portuguese job page turns English at its first live update.
/// </summary>
public class NotifierCultureTests
{
    private static readonly CultureInfo Portuguese = CultureInfo.GetCultureInfo("pt-PT");

    [Fact]
    public async Task AJobChange_IsToldInTheSubscribersCulture_NotInThePublishersOne()
    {
        var notifier = new JobChangeNotifier();
        var job = Guid.NewGuid();
        var told = new TaskCompletionSource<(string, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (InCulture(Portuguese))
        {
            notifier.Subscribe(job, (_, _) =>
            {
                told.TrySetResult((CultureInfo.CurrentCulture.Name, CultureInfo.CurrentUICulture.Name));
                return Task.CompletedTask;
            });
        }

        await Task.Run(() =>
        {
            using var _ = InCulture(CultureInfo.InvariantCulture);
            notifier.Publish(job, JobChangeKinds.Runs);
        });

        Assert.Equal(("pt-PT", "pt-PT"), await told.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ARunUpdate_IsToldInTheSubscribersCulture_AndThePublishersStaysItsOwn()
    {
        var notifier = new RunProgressNotifier();
        var (job, run) = (Guid.NewGuid(), Guid.NewGuid());
        var told = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (InCulture(Portuguese))
        {
            notifier.Subscribe(job, _ =>
            {
                told.TrySetResult(CultureInfo.CurrentUICulture.Name);
                return Task.CompletedTask;
            });
        }

        var publisherAfter = await Task.Run(() =>
        {
            using var _ = InCulture(CultureInfo.GetCultureInfo("en-US"));
            notifier.RunChanged(job, run);
            return CultureInfo.CurrentUICulture.Name;
        });

        Assert.Equal("pt-PT", await told.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("en-US", publisherAfter);
    }

    private static IDisposable InCulture(CultureInfo culture)
    {
        var before = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = culture;
        return new Restore(() => (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = before);
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
