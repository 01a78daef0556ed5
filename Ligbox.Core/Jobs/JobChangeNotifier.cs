using System.Collections.Concurrent;

namespace Ligbox.Core.Jobs;

/// <summary>
/// One signal per job: "something of this job was written" (its phase, a mailbox, a run, the gate, an
/// import, the audit trail). Raised after every <c>SaveChanges</c> that touched a job's rows
/// (<see cref="JobChangeInterceptor"/>) and by <see cref="Publish"/>; subscribers (the job page) are told
/// at most every <see cref="Debounce"/> per job and reload what they show from the Core services.
/// </summary>
public sealed class JobChangeNotifier
{
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(250);
    private readonly ConcurrentDictionary<Guid, Subscription> _subscriptions = new();
    private readonly ConcurrentDictionary<Guid, int> _pending = new();

    /// <summary>Changes of one job; <paramref name="jobId"/> null for every job (the jobs list).</summary>
    public IDisposable Subscribe(Guid? jobId, Func<Guid, Task> handler)
    {
        var s = new Subscription(jobId, handler, this);
        _subscriptions[s.Id] = s;
        return s;
    }

    /// <summary>Tells subscribers of the job, once per debounce window, that it changed.</summary>
    public void Publish(Guid jobId)
    {
        if (_pending.TryAdd(jobId, 1) is false)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            await Task.Delay(Debounce);
            // Removed before subscribers read, so a change that lands while they read schedules another round.
            _pending.TryRemove(jobId, out _);
            foreach (var sub in _subscriptions.Values.Where(s => s.JobId is null || s.JobId == jobId))
            {
                try
                {
                    await sub.Handler(jobId);
                }
                catch (Exception)
                {
                    // A subscriber's failure (a closed circuit) must not stop the others.
                }
            }
        });
    }

    /// <summary>Subscribers now (tests and the benchmark check that a closed page leaves none behind).</summary>
    public int SubscriberCount => _subscriptions.Count;

    private sealed class Subscription(Guid? jobId, Func<Guid, Task> handler, JobChangeNotifier owner) : IDisposable
    {
        public Guid Id { get; } = Guid.NewGuid();
        public Guid? JobId { get; } = jobId;
        public Func<Guid, Task> Handler { get; } = handler;

        public void Dispose() => owner._subscriptions.TryRemove(Id, out _);
    }
}
