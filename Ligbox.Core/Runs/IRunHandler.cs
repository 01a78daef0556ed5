using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Persistence;
using Ligbox.Tools.NativeImap;

namespace Ligbox.Core.Runs;

/// <summary>
/// Does the work of one kind of run for the <see cref="RunPipeline"/>, which starts, ends and records the run.
/// A handler records each mailbox's outcome on its <see cref="RunMailbox"/> row (and the mailbox and job as its
/// kind requires) through <see cref="RunExecution.Db"/>, reports progress and log lines through the execution,
/// and returns the run's outcome; it never sets the run's status itself. Cancellation throws
/// <see cref="OperationCanceledException"/> within a few seconds, leaving no process behind.
/// Register with <c>services.AddSingleton&lt;IRunHandler, MyHandler&gt;()</c>.
/// </summary>
public interface IRunHandler
{
    /// <summary>Whether this handler runs runs of <paramref name="kind"/>.</summary>
    bool Handles(RunKind kind);

    /// <summary>What the run does, for its first log line (e.g. "source → destination").</summary>
    string Describe(RunExecution run);

    /// <summary>Does the work; a failure of the run as a whole is returned (or thrown as <see cref="DomainException"/>).</summary>
    Task<RunOutcome> ExecuteAsync(RunExecution run, CancellationToken cancellationToken);
}

/// <summary>How a run ended: the pipeline completes or fails it with these.</summary>
public sealed record RunOutcome(bool Succeeded, string Message, string? StatisticsJson)
{
    public static RunOutcome Success(string message, string? statisticsJson) => new(true, message, statisticsJson);

    public static RunOutcome Failure(string message, string? statisticsJson) => new(false, message, statisticsJson);
}

/// <summary>One run being executed: its rows (tracked by <see cref="Db"/>), the secrets, the log and the live progress.</summary>
public sealed class RunExecution(LigboxDbContext db, Run run, MigrationJob job, IReadOnlyList<RunMailbox> items, IReadOnlyList<Mailbox> mailboxes,
    IReadOnlyDictionary<Guid, (string Source, string Destination)> secrets, RunLog log, bool resumed, RunProgressNotifier notifier, TimeProvider clock)
{
    public LigboxDbContext Db { get; } = db;
    public Run Run { get; } = run;
    public MigrationJob Job { get; } = job;

    /// <summary>The run's mailboxes, in the same order as <see cref="Mailboxes"/>.</summary>
    public IReadOnlyList<RunMailbox> Items { get; } = items;
    public IReadOnlyList<Mailbox> Mailboxes { get; } = mailboxes;
    public IReadOnlyDictionary<Guid, (string Source, string Destination)> Secrets { get; } = secrets;
    public RunLog Log { get; } = log;

    /// <summary>The run was started before (cut off by a restart) and continues.</summary>
    public bool Resumed { get; } = resumed;

    public DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>Writes a line to the run's log (secrets redacted) and the live log; returns it as written.</summary>
    public string Line(string? mailbox, string message)
    {
        var line = Log.Write(mailbox, message);
        notifier.Line(Job.Id, Run.Id, line);
        return line;
    }

    /// <summary>Live figures of one mailbox.</summary>
    public void Report(string mailbox, SyncProgressEvent e) => notifier.Report(Job.Id, Run.Id, mailbox, e);

    /// <summary>Tells subscribers the run's rows changed.</summary>
    public void Changed() => notifier.RunChanged(Job.Id, Run.Id);

    /// <summary>
    /// Engine progress into the live figures and the run log: figures per mailbox (by <see cref="SyncProgressEvent.MailboxKey"/>,
    /// the mailbox id), and <see cref="SyncProgressStage.Log"/> events as lines, as they come.
    /// </summary>
    public IProgress<SyncProgressEvent> Progress()
    {
        var logins = Mailboxes.ToDictionary(m => m.Id.ToString(), m => m.SourceLogin);
        return new SyncProgress(e =>
        {
            var login = logins.GetValueOrDefault(e.MailboxKey, e.MailboxKey);
            Report(login, e);
            if (e.Stage == SyncProgressStage.Log && e.Message is { } text)
            {
                Line(login, text);
            }
        });
    }

    /// <summary>Reports synchronously on the engine's thread (Progress&lt;T&gt; would reorder events).</summary>
    private sealed class SyncProgress(Action<SyncProgressEvent> report) : IProgress<SyncProgressEvent>
    {
        public void Report(SyncProgressEvent value) => report(value);
    }
}
