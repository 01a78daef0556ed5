using System.Collections.Concurrent;
using Ligbox.Core.Localization;

namespace Ligbox.Core.Jobs;

/// <summary>What of a job was written, so a page reloads only the sections it touches.</summary>
[Flags]
public enum JobChangeKinds
{
    None = 0,
    /// <summary>The job row itself: phase, servers, engine, options.</summary>
    Job = 1,
    Mailboxes = 2,
    /// <summary>Runs (queued, started, ended), imports included.</summary>
    Runs = 4,
    Gate = 8,
    Audit = 16,
    /// <summary>Anything else with a job id (schedules, uploads, webhooks).</summary>
    Other = 32,
    All = Job | Mailboxes | Runs | Gate | Audit | Other,
}

/// <summary>
/// One signal per job: "something of this job was written" (its phase, a mailbox, a run, the gate, an
/// import, the audit trail), with what was written (<see cref="JobChangeKinds"/>). Raised after every
/// <c>SaveChanges</c> that touched a job's rows (<see cref="JobChangeInterceptor"/>) and by <see cref="Publish(Guid)"/>;
/// subscribers (the job page) are told at most every <see cref="Debounce"/> per job, with the kinds of the
/// whole window, and reload what they show from the Core services.
/// With several nodes (issue 17) the kinds published here are also raised once per window as <see cref="LocalChange"/>
/// (a backplane sends them to the other nodes), and what another node published is applied with
/// <see cref="ApplyRemote"/>: told to the subscribers here, never raised again (no loop between nodes).
/// </summary>
public sealed class JobChangeNotifier
{
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(250);
    private readonly ConcurrentDictionary<Guid, Subscription> _subscriptions = new();
    private readonly ConcurrentDictionary<Guid, int> _pending = new();
    private readonly ConcurrentDictionary<Guid, int> _outbound = new();

    /// <summary>
    /// The kinds published here (never those <see cref="ApplyRemote"/> applied) once per debounce window per job.
    /// Handlers must be quick and must not throw (a backplane queues it).
    /// </summary>
    public event Action<Guid, JobChangeKinds>? LocalChange;

    /// <summary>Changes of one job; <paramref name="jobId"/> null for every job (the jobs list).</summary>
    public IDisposable Subscribe(Guid? jobId, Func<Guid, Task> handler) => Subscribe(jobId, (id, _) => handler(id));

    /// <summary>Changes of one job with what changed in the debounce window; <paramref name="jobId"/> null for every job.</summary>
    public IDisposable Subscribe(Guid? jobId, Func<Guid, JobChangeKinds, Task> handler)
    {
        var s = new Subscription(jobId, handler, this);
        _subscriptions[s.Id] = s;
        return s;
    }

    /// <summary>Tells subscribers of the job, once per debounce window, that it changed (in any way).</summary>
    public void Publish(Guid jobId) => Publish(jobId, JobChangeKinds.All);

    /// <summary>Tells subscribers of the job, once per debounce window, what of it changed.</summary>
    public void Publish(Guid jobId, JobChangeKinds kinds)
    {
        if (LocalChange is not null)
        {
            _outbound.AddOrUpdate(jobId, (int)kinds, (_, pending) => pending | (int)kinds);
        }

        Schedule(jobId, kinds);
    }

    /// <summary>What another node published (issue 17): told to the subscribers here like a local change, never relayed again.</summary>
    public void ApplyRemote(Guid jobId, JobChangeKinds kinds) => Schedule(jobId, kinds);

    private void Schedule(Guid jobId, JobChangeKinds kinds)
    {
        var first = true;
        _pending.AddOrUpdate(jobId, (int)kinds, (_, pending) =>
        {
            first = false;
            return pending | (int)kinds;
        });
        if (!first)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            await Task.Delay(Debounce);
            // Removed before subscribers read, so a change that lands while they read schedules another round.
            var window = _pending.TryRemove(jobId, out var k) ? (JobChangeKinds)k : kinds;
            if (_outbound.TryRemove(jobId, out var local) && local != 0 && LocalChange is { } relay)
            {
                try
                {
                    relay(jobId, (JobChangeKinds)local);
                }
                catch (Exception)
                {
                    // Relaying is best effort: a save must never fail because another node could not be told.
                }
            }

            foreach (var sub in _subscriptions.Values.Where(s => s.JobId is null || s.JobId == jobId))
            {
                try
                {
                    await sub.CallAsync(jobId, window);
                }
                catch (Exception)
                {
                    // A subscriber's failure (a closed circuit) must not stop the others.
                }
            }
        });
    }

    /// <summary>Whether a change of the job waits for its debounce window to end (tests wait for earlier writes to be told).</summary>
    internal bool HasPending(Guid jobId) => _pending.ContainsKey(jobId);

    /// <summary>Subscribers now (tests and the benchmark check that a closed page leaves none behind).</summary>
    public int SubscriberCount => _subscriptions.Count;

    private sealed class Subscription(Guid? jobId, Func<Guid, JobChangeKinds, Task> handler, JobChangeNotifier owner) : IDisposable
    {
        public Guid Id { get; } = Guid.NewGuid();
        public Guid? JobId { get; } = jobId;
        public Func<Guid, JobChangeKinds, Task> Handler { get; } = handler;

        private readonly CallerCulture _culture = new();

        /// <summary>The handler in the subscriber's culture.</summary>
        public Task CallAsync(Guid jobId, JobChangeKinds kinds) => _culture.InvokeAsync(() => Handler(jobId, kinds));

        public void Dispose() => owner._subscriptions.TryRemove(Id, out _);
    }
}
