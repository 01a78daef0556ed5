using System.Collections.Concurrent;
using Ligbox.Tools.NativeImap;

namespace Ligbox.Core.Runs;

/// <summary>Latest figures of one mailbox of a running run.</summary>
public sealed record MailboxProgress(string Mailbox, string? Folder, long Done, long Total, long Bytes, double MessagesPerSecond, TimeSpan? Remaining, string Stage);

/// <summary>What a subscriber is told: which run changed, and whether its status (not only its figures) changed.</summary>
public sealed record RunUpdate(Guid JobId, Guid RunId, bool StatusChanged);

/// <summary>
/// Collects engine progress and log lines per run, keeps the latest snapshot per mailbox and the last
/// log lines, and notifies subscribers at most every ~100 ms per run (status changes at once).
/// </summary>
public sealed class RunProgressNotifier
{
    public const int MaxLines = 500;
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(100);
    private readonly ConcurrentDictionary<Guid, RunState> _runs = new();
    private readonly ConcurrentDictionary<Guid, Subscription> _subscriptions = new();

    public IDisposable Subscribe(Guid jobId, Func<RunUpdate, Task> handler)
    {
        var s = new Subscription(jobId, handler, this);
        _subscriptions[s.Id] = s;
        return s;
    }

    public IReadOnlyList<MailboxProgress> GetProgress(Guid runId) =>
        _runs.TryGetValue(runId, out var s) ? s.Mailboxes.Values.OrderBy(m => m.Mailbox, StringComparer.Ordinal).ToList() : [];

    public IReadOnlyList<string> GetLines(Guid runId)
    {
        if (!_runs.TryGetValue(runId, out var s))
        {
            return [];
        }

        lock (s.Lines)
        {
            return s.Lines.ToList();
        }
    }

    public void Report(Guid jobId, Guid runId, string mailbox, SyncProgressEvent e)
    {
        var s = State(jobId, runId);
        if (e.Stage != SyncProgressStage.Log)
        {
            s.Mailboxes[mailbox] = new MailboxProgress(mailbox, e.Folder, e.MailboxDone, e.MailboxTotal, e.BytesTransferred, e.MessagesPerSecond,
                e.EstimatedRemaining, e.Stage.ToString());
        }

        Schedule(s);
    }

    public void Line(Guid jobId, Guid runId, string line)
    {
        var s = State(jobId, runId);
        lock (s.Lines)
        {
            s.Lines.Enqueue(line);
            while (s.Lines.Count > MaxLines)
            {
                s.Lines.Dequeue();
            }
        }

        Schedule(s);
    }

    /// <summary>A run was queued, started or ended: subscribers reload at once.</summary>
    public void RunChanged(Guid jobId, Guid runId) => Publish(new RunUpdate(jobId, runId, true));

    /// <summary>Clears the live figures of a run (they are in the database once it ends); keeps the last lines.</summary>
    public void ClearProgress(Guid runId)
    {
        if (_runs.TryGetValue(runId, out var s))
        {
            s.Mailboxes.Clear();
        }
    }

    private RunState State(Guid jobId, Guid runId) => _runs.GetOrAdd(runId, id => new RunState(jobId, id));

    private void Schedule(RunState s)
    {
        if (Interlocked.Exchange(ref s.Pending, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            await Task.Delay(Debounce);
            Interlocked.Exchange(ref s.Pending, 0);
            Publish(new RunUpdate(s.JobId, s.RunId, false));
        });
    }

    private void Publish(RunUpdate update)
    {
        foreach (var sub in _subscriptions.Values.Where(x => x.JobId == update.JobId))
        {
            _ = Invoke(sub, update);
        }
    }

    private static async Task Invoke(Subscription sub, RunUpdate update)
    {
        try
        {
            await sub.Handler(update);
        }
        catch (Exception)
        {
            // A subscriber's failure (a closed circuit) must not stop the run or the other subscribers.
        }
    }

    private sealed class RunState(Guid jobId, Guid runId)
    {
        public Guid JobId { get; } = jobId;
        public Guid RunId { get; } = runId;
        public ConcurrentDictionary<string, MailboxProgress> Mailboxes { get; } = new();
        public Queue<string> Lines { get; } = new();
        public int Pending;
    }

    private sealed class Subscription(Guid jobId, Func<RunUpdate, Task> handler, RunProgressNotifier owner) : IDisposable
    {
        public Guid Id { get; } = Guid.NewGuid();
        public Guid JobId { get; } = jobId;
        public Func<RunUpdate, Task> Handler { get; } = handler;

        public void Dispose() => owner._subscriptions.TryRemove(Id, out _);
    }
}
