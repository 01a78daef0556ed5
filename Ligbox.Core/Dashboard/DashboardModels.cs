using Ligbox.Core.Jobs;
using Ligbox.Core.Runs;

namespace Ligbox.Core.Dashboard;

/// <summary>The overview of every migration at a glance (the home page and <c>GET /api/dashboard</c>).</summary>
public sealed record DashboardView(
    DateTime GeneratedAtUtc,
    IReadOnlyList<PhaseCount> JobsByPhase,
    IReadOnlyList<GateWaiting> GatesWaiting,
    IReadOnlyList<RunningRun> RunningNow,
    IReadOnlyList<RecentFailure> Failures,
    int FailuresTotal,
    IReadOnlyList<DailyCopied> Daily,
    DashboardThroughput Throughput,
    IReadOnlyList<JobToFinish> BiggestOpenJobs)
{
    /// <summary>Jobs not completed or cancelled.</summary>
    public int OpenJobs => JobsByPhase.Where(p => p.Phase is not (MigrationPhase.Completed or MigrationPhase.Cancelled)).Sum(p => p.Jobs);
}

/// <summary>How many jobs are in a phase (every phase is listed, zero included).</summary>
public sealed record PhaseCount(MigrationPhase Phase, int Jobs);

/// <summary>A gate ready for an ops lead's approval, with how long it has waited.</summary>
public sealed record GateWaiting(Guid JobId, string Domain, string? TicketId, DateTime ReadySinceUtc, int Mailboxes);

/// <summary>
/// A run queued, running or waiting to resume, with its live figures (summed over its mailboxes from the run's
/// progress, so they are zero until its first mailbox reports).
/// </summary>
public sealed record RunningRun(Guid RunId, Guid JobId, string Domain, RunKind Kind, RunStatus Status, DateTime QueuedAtUtc, DateTime? StartedAtUtc,
    int Mailboxes, int MailboxesReporting, long MessagesDone, long MessagesTotal, long Bytes, double MessagesPerSecond)
{
    public string StatusText => Run.Describe(Status);
}

/// <summary>A run that failed, with its reason in words and how many of its mailboxes failed.</summary>
public sealed record RecentFailure(Guid RunId, Guid JobId, string Domain, RunKind Kind, DateTime EndedAtUtc, string Reason, int FailedMailboxes);

/// <summary>What the runs that ended on one UTC day copied (dry runs copy nothing).</summary>
public sealed record DailyCopied(DateOnly Day, long Messages, long Bytes, int Runs);

/// <summary>How fast mail moves: what the last 24 hours and 30 days copied, and the live rate of the runs running now.</summary>
public sealed record DashboardThroughput(long MessagesLast24h, long BytesLast24h, long Messages30Days, long Bytes30Days, double LiveMessagesPerSecond)
{
    public double MessagesPerHourLast24h => MessagesLast24h / 24.0;
}

/// <summary>An open job with its size and how far it is (mailboxes not excluded).</summary>
public sealed record JobToFinish(Guid JobId, string Domain, MigrationPhase Phase, int Mailboxes, int Synced, int Failed, long SourceMessages,
    long DestinationMessages)
{
    public int Remaining => Mailboxes - Synced;
}
