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

    /// <summary>Cut off by a restart and not resumed automatically (<c>Ligbox:Runs:AutoResume</c> off): start it again or cancel it.</summary>
    Interrupted,

    /// <summary>Cut off by a restart and queued again (trigger <see cref="RunTrigger.Recovery"/>): waiting to resume where it stopped.</summary>
    Resuming,
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

    /// <summary>Messages the run copied or appended (0 for a dry run), recorded once it has ended: the dashboard sums them per day.</summary>
    public long MessagesCopied { get; private set; }

    /// <summary>Bytes the run copied or appended, recorded with <see cref="MessagesCopied"/>.</summary>
    public long BytesCopied { get; private set; }

    /// <summary>Optimistic concurrency token: every change of state bumps it, so a late writer cannot overwrite a newer state (a cancel).</summary>
    public int Version { get; private set; }

    /// <summary>
    /// The node that holds the run (issue 17): the one that started it, or that queued it again to resume. Another
    /// node takes it over only when this node's heartbeat is stale; <c>null</c> while it waits for its first start.
    /// </summary>
    public string? NodeId { get; private set; }

    public TimeSpan? Duration => StartedAtUtc is { } s && EndedAtUtc is { } e ? e - s : null;

    public bool IsActive => Status is RunStatus.Queued or RunStatus.Running or RunStatus.Resuming;

    /// <summary>The status in words (the UI and API show "Waiting to resume" rather than a final-looking word).</summary>
    public static string Describe(RunStatus status) => status switch
    {
        RunStatus.Resuming => "Waiting to resume",
        RunStatus.Interrupted => "Interrupted: start a new run or cancel it",
        _ => status.ToString(),
    };

    /// <summary>Whether a run in this status can be started by the pipeline.</summary>
    public bool CanStart => Status is RunStatus.Queued or RunStatus.Interrupted or RunStatus.Resuming;

    public void Start(DateTime nowUtc, string logPath) => Start(nowUtc, logPath, null);

    /// <summary>Starts the run on <paramref name="nodeId"/>: saved with <see cref="Version"/>, so of two nodes only one claims it.</summary>
    public void Start(DateTime nowUtc, string logPath, string? nodeId)
    {
        if (!CanStart)
        {
            throw new DomainException($"A run that is {Status} cannot be started.");
        }

        Version++;
        Status = RunStatus.Running;
        StartedAtUtc ??= nowUtc;
        LogPath = logPath;
        NodeId = nodeId ?? NodeId;
    }

    public void Complete(DateTime nowUtc, string? statisticsJson, string? message = null)
    {
        EnsureRunning("complete");
        Version++;
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

        Version++;
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

        Version++;
        Status = RunStatus.Cancelled;
        EndedAtUtc = nowUtc;
        Message = $"Cancelled by {by}.";
    }

    /// <summary>What the ended run copied (summed from its mailboxes' or its import's statistics by the run pipeline).</summary>
    public void RecordCopied(long messages, long bytes)
    {
        if (IsActive)
        {
            throw new DomainException("What a run copied is recorded when it has ended.");
        }

        MessagesCopied = Math.Max(0, messages);
        BytesCopied = Math.Max(0, bytes);
    }

    /// <summary>The process died while this run was active; it can be started again.</summary>
    public void Interrupt(string reason)
    {
        EnsureRunning("interrupt");
        Version++;
        Status = RunStatus.Interrupted;
        Message = reason;
    }

    /// <summary>Start-up recovery queues an interrupted (or still running) run again: it waits to resume, triggered by recovery.</summary>
    public void MarkResuming(string reason) => MarkResuming(reason, null);

    /// <summary>Queued again to resume, held by <paramref name="nodeId"/> (the node that queued it) until a node starts it.</summary>
    public void MarkResuming(string reason, string? nodeId)
    {
        if (Status is not (RunStatus.Running or RunStatus.Interrupted or RunStatus.Resuming))
        {
            throw new DomainException($"A run that is {Status} cannot be resumed.");
        }

        Version++;
        Status = RunStatus.Resuming;
        Trigger = RunTrigger.Recovery;
        Message = reason;
        NodeId = nodeId ?? NodeId;
    }

    private void EnsureRunning(string verb)
    {
        if (Status != RunStatus.Running)
        {
            throw new DomainException($"Only a running run can {verb}; this one is {Status}.");
        }
    }
}
