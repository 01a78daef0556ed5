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
/// What of a run changed on this node since the last relay, for the other nodes (issue 17): the figures of the
/// mailboxes that changed, the lines added, whether its status changed and whether its live figures were cleared
/// (it ended). Raised by <see cref="RunProgressNotifier.LocalChange"/> and applied by <see cref="RunProgressNotifier.ApplyRemote"/>.
/// </summary>
public sealed record RunRelay(Guid JobId, Guid RunId, IReadOnlyList<MailboxProgress> Progress, IReadOnlyList<string> Lines, bool StatusChanged, bool Cleared);

/// <summary>
/// Collects engine progress and log lines per run, keeps the latest snapshot per mailbox (and per folder)
/// and the last log lines, and notifies subscribers at most every ~100 ms per run (status changes at once).
/// Subscribers read the figures when told (<see cref="GetProgress"/>, <see cref="GetLinesSince"/>), so a
/// notification never carries stale figures and the last figures are always read after the last report.
/// With several nodes (issue 17) what happens here is also raised once per round as <see cref="LocalChange"/>
/// (a backplane sends it to the other nodes), and what arrives from another node is applied with
/// <see cref="ApplyRemote"/>, which tells the subscribers here but is never raised again (no loop between nodes).
/// </summary>
public sealed class RunProgressNotifier
{
    public const int MaxLines = 500;
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(100);
    private readonly ConcurrentDictionary<Guid, RunState> _runs = new();
    private readonly ConcurrentDictionary<Guid, Subscription> _subscriptions = new();

    /// <summary>
    /// What changed here (never what <see cref="ApplyRemote"/> applied), once per debounced round and at once with
    /// a status change or a clear, in order per run. Handlers must be quick and must not throw (a backplane queues it).
    /// Lines are kept for it only while it has a handler, so on one process nothing is collected.
    /// </summary>
    public event Action<RunRelay>? LocalChange;

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
        Append(s, [line], LocalChange is not null);
        Schedule(s);
    }

    /// <summary>A run was queued, started or ended: subscribers reload at once.</summary>
    public void RunChanged(Guid jobId, Guid runId)
    {
        Relay(State(jobId, runId), statusChanged: true, cleared: false);
        Publish(new RunUpdate(jobId, runId, true));
    }

    /// <summary>
    /// Applies what another node relayed (issue 17): its mailboxes' figures replace those kept here, its lines are
    /// appended (numbered here), a clear keeps the figures as final; then subscribers are told as for a local change
    /// (a status change at once). Never raised again as <see cref="LocalChange"/>.
    /// </summary>
    public void ApplyRemote(RunRelay relay)
    {
        var s = State(relay.JobId, relay.RunId);
        foreach (var figures in relay.Progress)
        {
            s.Mailboxes.GetOrAdd(figures.Mailbox, m => new MailboxState(m)).Replace(figures);
        }

        if (relay.Lines.Count > 0)
        {
            Append(s, relay.Lines, relay: false);
        }

        if (relay.Cleared)
        {
            Clear(s);
        }

        if (relay.StatusChanged)
        {
            Publish(new RunUpdate(relay.JobId, relay.RunId, true));
        }
        else if (relay.Progress.Count > 0 || relay.Lines.Count > 0)
        {
            Schedule(s);
        }
    }

    /// <summary>
    /// Clears the live figures of a run (they are in the database once it ends); keeps the last lines and the
    /// figures as they were at the end (<see cref="GetFinalProgress"/>), which a debounced push may not have carried yet.
    /// </summary>
    public void ClearProgress(Guid runId)
    {
        if (_runs.TryGetValue(runId, out var s))
        {
            // Relayed before the figures go, so another node receives the last ones and then the clear.
            Relay(s, statusChanged: false, cleared: true);
            Clear(s);
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

    private void Clear(RunState s)
    {
        s.Final = GetProgress(s.RunId);
        s.Mailboxes.Clear();
        lock (s.RelayLock)
        {
            // A run resumed later in this process starts its mailboxes' versions again from zero.
            s.Relayed.Clear();
        }
    }

    private static void Append(RunState s, IReadOnlyList<string> lines, bool relay)
    {
        lock (s.Lines)
        {
            foreach (var line in lines)
            {
                // Numbered under the lock: every subscriber sees the same lines in the same order.
                s.Lines.Enqueue(RunLogLine.From(++s.LastSeq, line));
                if (relay)
                {
                    s.Outbox.Add(line);
                }
            }

            while (s.Lines.Count > MaxLines)
            {
                s.Lines.Dequeue();
            }
        }
    }

    /// <summary>
    /// Raises <see cref="LocalChange"/> with what changed here since the last relay of the run: the lines added and
    /// the mailboxes whose figures a local report changed. Under the run's relay lock, so relays of a run leave in order.
    /// </summary>
    private void Relay(RunState s, bool statusChanged, bool cleared)
    {
        if (LocalChange is not { } handler)
        {
            return;
        }

        lock (s.RelayLock)
        {
            List<string> lines;
            lock (s.Lines)
            {
                lines = [.. s.Outbox];
                s.Outbox.Clear();
            }

            var progress = new List<MailboxProgress>();
            foreach (var mailbox in s.Mailboxes.Values)
            {
                var version = mailbox.LocalVersion;
                if (version > 0 && (!s.Relayed.TryGetValue(mailbox.Mailbox, out var sent) || sent != version) && mailbox.Snapshot() is { } figures)
                {
                    s.Relayed[mailbox.Mailbox] = version;
                    progress.Add(figures);
                }
            }

            if (lines.Count == 0 && progress.Count == 0 && !statusChanged && !cleared)
            {
                return;
            }

            try
            {
                handler(new RunRelay(s.JobId, s.RunId, progress.OrderBy(m => m.Mailbox, StringComparer.Ordinal).ToList(), lines, statusChanged, cleared));
            }
            catch (Exception)
            {
                // Relaying is best effort: a run must never fail because another node could not be told.
            }
        }
    }

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
            Relay(s, statusChanged: false, cleared: false);
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

        /// <summary>Lines added here and not relayed yet (guarded by <see cref="Lines"/>).</summary>
        public List<string> Outbox { get; } = [];

        public Lock RelayLock { get; } = new();

        /// <summary>Per mailbox, the <see cref="MailboxState.LocalVersion"/> last relayed (guarded by <see cref="RelayLock"/>).</summary>
        public Dictionary<string, long> Relayed { get; } = new(StringComparer.Ordinal);

        public IReadOnlyList<MailboxProgress> Final { get; set; } = [];
        public long LastSeq;
        public int Pending;
    }

    /// <summary>
    /// A mailbox's latest event plus every folder's figures (the event only names the current folder), or the
    /// figures another node relayed (a mailbox is synced by one node, so the two never mix).
    /// </summary>
    private sealed class MailboxState(string mailbox)
    {
        private readonly Lock _lock = new();
        private readonly List<FolderProgress> _folders = [];
        private SyncProgressEvent? _last;
        private MailboxProgress? _remote;
        private long _localVersion;

        public string Mailbox => mailbox;

        /// <summary>How many local events were applied (remote figures do not count: they are never relayed again).</summary>
        public long LocalVersion => Interlocked.Read(ref _localVersion);

        public void Replace(MailboxProgress figures)
        {
            lock (_lock)
            {
                _remote = figures with { Mailbox = mailbox };
            }
        }

        public void Apply(SyncProgressEvent e)
        {
            lock (_lock)
            {
                _last = e;
                _remote = null;
                Interlocked.Increment(ref _localVersion);
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
                return _remote ?? (_last is not { } e ? null : new MailboxProgress(mailbox, e.Folder, e.MailboxDone, e.MailboxTotal, e.BytesTransferred, e.MessagesPerSecond, e.EstimatedRemaining,
                    e.Stage.ToString(), _folders.ToList()));
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
