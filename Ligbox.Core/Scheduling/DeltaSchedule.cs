namespace Ligbox.Core.Scheduling;

/// <summary>What a scheduled delta pass did when it fired.</summary>
public enum ScheduledPassOutcome
{
    Started,
    Skipped,
}

/// <summary>
/// A job's automatic delta sync (T033): on/off, every N hours or a Quartz cron expression (UTC), and
/// the last scheduled pass. Owned by <see cref="Jobs.MigrationJob"/> (its <c>Schedule_*</c> columns).
/// </summary>
public sealed class DeltaSchedule
{
    public const int DefaultEveryHours = 6;
    public const int MinEveryHours = 1;
    public const int MaxEveryHours = 168;

    public bool Enabled { get; private set; }
    public int EveryHours { get; private set; } = DefaultEveryHours;

    /// <summary>A Quartz cron expression (evaluated in UTC); when set it is used instead of <see cref="EveryHours"/>.</summary>
    public string? Cron { get; private set; }

    public string? UpdatedBy { get; private set; }
    public DateTime? UpdatedAtUtc { get; private set; }
    public DateTime? LastPassAtUtc { get; private set; }
    public ScheduledPassOutcome? LastPassOutcome { get; private set; }
    public Guid? LastPassRunId { get; private set; }
    public string? LastPassMessage { get; private set; }

    /// <summary>Identifies the trigger's timing; a trigger with the same spec is left alone so its next fire time stays.</summary>
    public string Spec => Cron is null ? $"hours:{EveryHours}" : $"cron:{Cron}";

    /// <summary>Changes the setting; the values must have passed <see cref="DeltaScheduleRules.Validate"/>.</summary>
    internal void Change(bool enabled, int everyHours, string? cron, bool jobClosed, string by, DateTime nowUtc)
    {
        if (enabled && jobClosed)
        {
            throw new DomainException("The job is closed; scheduled delta syncs cannot be turned on for it.");
        }

        Enabled = enabled;
        EveryHours = everyHours;
        Cron = string.IsNullOrWhiteSpace(cron) ? null : cron.Trim();
        UpdatedBy = by;
        UpdatedAtUtc = nowUtc;
    }

    internal void RecordPass(DateTime atUtc, ScheduledPassOutcome outcome, Guid? runId, string? message)
    {
        LastPassAtUtc = atUtc;
        LastPassOutcome = outcome;
        LastPassRunId = runId;
        LastPassMessage = message is { Length: > 1000 } ? message[..1000] : message;
    }

    /// <summary>A closed job keeps its setting for the record, but nothing fires any more.</summary>
    internal void TurnOff() => Enabled = false;
}
