using System.Collections.Concurrent;
using Ligbox.Core.Localization;
using Ligbox.Tools.NativeImap;

namespace Ligbox.Core.Runs;

/// <summary>Figures of one folder of a mailbox in a running run.</summary>
public sealed record FolderProgress(string Folder, long Done, long Total, bool Completed);

/// <summary>Latest figures of one mailbox of a running run, with each folder seen so far (in the order they started).</summary>
public sealed record MailboxProgress(string Mailbox, string? Folder, long Done, long Total, long Bytes, double MessagesPerSecond, TimeSpan? Remaining, string Stage,
    IReadOnlyList<FolderProgress> Folders);

/// <summary>What a subscriber is told: which run changed, and whether its status (not only its figures) changed.</summary>
public sealed record RunUpdate(Guid JobId, Guid RunId, bool StatusChanged);

/// <summary>
/// Collects engine progress and log lines per run, keeps the latest snapshot per mailbox (and per folder)
/// and the last log lines, and notifies subscribers at most every ~100 ms per run (status changes at once).
/// Subscribers read the figures when told (<see cref="GetProgress"/>, <see cref="GetLinesSince"/>), so a
/// notification never carries stale figures and the last figures are always read after the last report.
/// </summary>
public sealed class RunProgressNotifier
{
    public const int MaxLines = 500;
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(100);
    private readonly ConcurrentDictionary<Guid, RunState> _runs = new();
    private readonly ConcurrentDictionary<Guid, Subscription> _subscriptions = new();

    /// <summary>Updates of the runs of one job.</summary>
    public IDisposable Subscribe(Guid jobId, Func<RunUpdate, Task> handler) => Add(new Subscription(jobId, handler, this));

    /// <summary>Updates of every run (the SignalR hub fans them out to its subscribers).</summary>
    public IDisposable SubscribeAll(Func<RunUpdate, Task> handler) => Add(new Subscription(null, handler, this));

    public IReadOnlyList<MailboxProgress> GetProgress(Guid runId) =>
        _runs.TryGetValue(runId, out var s) ? s.Mailboxes.Values.Select(m => m.Snapshot()).OfType<MailboxProgress>().OrderBy(m => m.Mailbox, StringComparer.Ordinal).ToList() : [];

    public IReadOnlyList<string> GetLines(Guid runId) => GetLinesSince(runId, 0).Select(l => l.Text).ToList();

    /// <summary>The kept lines (at most <see cref="MaxLines"/>) after <paramref name="afterSeq"/>, oldest first.</summary>
    public IReadOnlyList<RunLogLine> GetLinesSince(Guid runId, long afterSeq)
    {
        if (!_runs.TryGetValue(runId, out var s))
        {
            return [];
        }

        lock (s.Lines)
        {
            return s.Lines.Where(l => l.Seq > afterSeq).ToList();
        }
    }

    public void Report(Guid jobId, Guid runId, string mailbox, SyncProgressEvent e)
    {
        var s = State(jobId, runId);
        if (e.Stage != SyncProgressStage.Log)
        {
            s.Mailboxes.GetOrAdd(mailbox, m => new MailboxState(m)).Apply(e);
        }

        Schedule(s);
    }

    public void Line(Guid jobId, Guid runId, string line)
    {
        var s = State(jobId, runId);
        lock (s.Lines)
        {
            // Numbered under the lock: every subscriber sees the same lines in the same order.
            s.Lines.Enqueue(RunLogLine.From(++s.LastSeq, line));
            while (s.Lines.Count > MaxLines)
            {
                s.Lines.Dequeue();
            }
        }

        Schedule(s);
    }

    /// <summary>A run was queued, started or ended: subscribers reload at once.</summary>
    public void RunChanged(Guid jobId, Guid runId) => Publish(new RunUpdate(jobId, runId, true));

    /// <summary>
    /// Clears the live figures of a run (they are in the database once it ends); keeps the last lines and the
    /// figures as they were at the end (<see cref="GetFinalProgress"/>), which a debounced push may not have carried yet.
    /// </summary>
    public void ClearProgress(Guid runId)
    {
        if (_runs.TryGetValue(runId, out var s))
        {
            s.Final = GetProgress(runId);
            s.Mailboxes.Clear();
        }
    }

    /// <summary>The figures of a run when its live figures were cleared (empty while it runs).</summary>
    public IReadOnlyList<MailboxProgress> GetFinalProgress(Guid runId) => _runs.TryGetValue(runId, out var s) ? s.Final : [];

    /// <summary>Subscribers now (a test checks that a closed job page leaves none behind).</summary>
    public int SubscriberCount => _subscriptions.Count;

    private IDisposable Add(Subscription s)
    {
        _subscriptions[s.Id] = s;
        return s;
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
            // Cleared before subscribers read, so a report that lands while they read schedules another round.
            Interlocked.Exchange(ref s.Pending, 0);
            Publish(new RunUpdate(s.JobId, s.RunId, false));
        });
    }

    private void Publish(RunUpdate update)
    {
        foreach (var sub in _subscriptions.Values.Where(x => x.JobId is null || x.JobId == update.JobId))
        {
            _ = Invoke(sub, update);
        }
    }

    private static async Task Invoke(Subscription sub, RunUpdate update)
    {
        try
        {
            await sub.CallAsync(update);
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
        public ConcurrentDictionary<string, MailboxState> Mailboxes { get; } = new();
        public Queue<RunLogLine> Lines { get; } = new();
        public IReadOnlyList<MailboxProgress> Final { get; set; } = [];
        public long LastSeq;
        public int Pending;
    }

    /// <summary>A mailbox's latest event plus every folder's figures (the event only names the current folder).</summary>
    private sealed class MailboxState(string mailbox)
    {
        private readonly Lock _lock = new();
        private readonly List<FolderProgress> _folders = [];
        private SyncProgressEvent? _last;

        public void Apply(SyncProgressEvent e)
        {
            lock (_lock)
            {
                _last = e;
                if (e.Folder is not { } folder || e.Stage is not (SyncProgressStage.FolderStarted or SyncProgressStage.FolderProgress or SyncProgressStage.FolderCompleted))
                {
                    return;
                }

                var figures = new FolderProgress(folder, e.FolderDone, e.FolderTotal, e.Stage == SyncProgressStage.FolderCompleted);
                var index = _folders.FindIndex(f => f.Folder == folder);
                if (index < 0)
                {
                    _folders.Add(figures);
                }
                else
                {
                    _folders[index] = figures;
                }
            }
        }

        /// <summary>Null only in the instant between the mailbox's first event being added and applied.</summary>
        public MailboxProgress? Snapshot()
        {
            lock (_lock)
            {
                return _last is not { } e ? null : new MailboxProgress(mailbox, e.Folder, e.MailboxDone, e.MailboxTotal, e.BytesTransferred, e.MessagesPerSecond, e.EstimatedRemaining,
                    e.Stage.ToString(), _folders.ToList());
            }
        }
    }

    private sealed class Subscription(Guid? jobId, Func<RunUpdate, Task> handler, RunProgressNotifier owner) : IDisposable
    {
        public Guid Id { get; } = Guid.NewGuid();
        public Guid? JobId { get; } = jobId;
        public Func<RunUpdate, Task> Handler { get; } = handler;

        private readonly CallerCulture _culture = new();

        /// <summary>The handler in the subscriber's culture.</summary>
        public Task CallAsync(RunUpdate update) => _culture.InvokeAsync(() => Handler(update));

        public void Dispose() => owner._subscriptions.TryRemove(Id, out _);
    }
}
