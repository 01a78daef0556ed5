using Ligbox.Core.Runs;

namespace Ligbox.Console.Realtime;

/// <summary>
/// What <see cref="RunsHub.Subscribe"/> answers: the run it follows (the one asked for, else the job's active
/// run, else none), its kept log lines and live figures, and the job's recent runs with their status.
/// Lines carry <see cref="RunLogLine.Seq"/>: pushes that overlap the snapshot repeat sequence numbers the
/// client already has and are to be skipped.
/// </summary>
public sealed record RunsSnapshot(Guid JobId, Guid? RunId, IReadOnlyList<RunStatusMessage> Runs, IReadOnlyList<RunLogLine> Lines,
    IReadOnlyList<MailboxProgress> Progress);

/// <summary>Pushed as <c>RunUpdate</c> at most every ~100 ms per run: the new log lines and the latest figures of every mailbox.</summary>
public sealed record RunUpdateMessage(Guid JobId, Guid RunId, IReadOnlyList<RunLogLine> Lines, IReadOnlyList<MailboxProgress> Progress);

/// <summary>Pushed as <c>RunStatus</c> at once when a run is queued, starts, ends or is cancelled.</summary>
public sealed record RunStatusMessage(Guid JobId, Guid RunId, RunKind Kind, RunStatus Status, string? Message, DateTime QueuedAtUtc, DateTime? EndedAtUtc)
{
    public static RunStatusMessage From(RunDto r) => new(r.JobId, r.Id, r.Kind, r.Status, r.Message, r.QueuedAtUtc, r.EndedAtUtc);
}
