namespace Ligbox.Core.Runs;

public enum RunKind
{
    Preflight,
    Initial,
    Delta,
    Final,
    Pst,
    Tgz,
    Verify,
}

public enum RunStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    Interrupted,
}

public enum RunTrigger
{
    Manual,
    Scheduled,
    Recovery,
}

/// <summary>One execution (preflight, sync pass, import) of a job, with its statistics and log.</summary>
public sealed class Run
{
    private Run()
    {
    }

    public Run(Guid jobId, RunKind kind, RunTrigger trigger, string requestedBy, DateTime queuedAtUtc, bool dryRun = false)
    {
        Id = Guid.NewGuid();
        JobId = jobId;
        Kind = kind;
        Trigger = trigger;
        RequestedBy = requestedBy;
        QueuedAtUtc = queuedAtUtc;
        DryRun = dryRun;
        Status = RunStatus.Queued;
    }

    public Guid Id { get; private set; }
    public Guid JobId { get; private set; }
    public RunKind Kind { get; private set; }
    public RunStatus Status { get; private set; }
    public RunTrigger Trigger { get; private set; }
    public bool DryRun { get; private set; }
    public string RequestedBy { get; private set; } = "";
    public DateTime QueuedAtUtc { get; private set; }
    public DateTime? StartedAtUtc { get; private set; }
    public DateTime? EndedAtUtc { get; private set; }
    public string? Message { get; private set; }
    public string? StatisticsJson { get; private set; }
    public string? LogPath { get; private set; }

    public TimeSpan? Duration => StartedAtUtc is { } s && EndedAtUtc is { } e ? e - s : null;

    public bool IsActive => Status is RunStatus.Queued or RunStatus.Running;

    public void Start(DateTime nowUtc, string logPath)
    {
        if (Status is not (RunStatus.Queued or RunStatus.Interrupted))
        {
            throw new DomainException($"A run that is {Status} cannot be started.");
        }

        Status = RunStatus.Running;
        StartedAtUtc ??= nowUtc;
        LogPath = logPath;
    }

    public void Complete(DateTime nowUtc, string? statisticsJson, string? message = null)
    {
        EnsureRunning("complete");
        Status = RunStatus.Succeeded;
        EndedAtUtc = nowUtc;
        StatisticsJson = statisticsJson;
        Message = message;
    }

    public void Fail(DateTime nowUtc, string reason, string? statisticsJson = null)
    {
        if (!IsActive)
        {
            throw new DomainException($"A run that is {Status} cannot fail.");
        }

        Status = RunStatus.Failed;
        EndedAtUtc = nowUtc;
        Message = reason;
        StatisticsJson = statisticsJson ?? StatisticsJson;
    }

    public void Cancel(DateTime nowUtc, string by)
    {
        if (!IsActive && Status != RunStatus.Interrupted)
        {
            throw new DomainException($"The run is already {Status}; there is nothing to cancel.");
        }

        Status = RunStatus.Cancelled;
        EndedAtUtc = nowUtc;
        Message = $"Cancelled by {by}.";
    }

    /// <summary>The process died while this run was active; it can be started again.</summary>
    public void Interrupt(string reason)
    {
        EnsureRunning("interrupt");
        Status = RunStatus.Interrupted;
        Message = reason;
    }

    private void EnsureRunning(string verb)
    {
        if (Status != RunStatus.Running)
        {
            throw new DomainException($"Only a running run can {verb}; this one is {Status}.");
        }
    }
}
