namespace Ligbox.Core.Scheduling;

/// <summary>
/// <c>PUT /jobs/{id}/schedule</c>: <see cref="Cron"/> (a Quartz cron expression, UTC) or
/// <see cref="EveryHours"/> (1–168; default 6), not both.
/// </summary>
public sealed record UpdateDeltaScheduleRequest(bool Enabled, int? EveryHours = null, string? Cron = null);

public sealed record ScheduledPassDto(DateTime AtUtc, ScheduledPassOutcome Outcome, Guid? RunId, string? Message);

public sealed record DeltaScheduleDto(
    Guid JobId,
    bool Enabled,
    int EveryHours,
    string? Cron,
    DateTime? NextFireTimeUtc,
    ScheduledPassDto? LastPass,
    string? UpdatedBy,
    DateTime? UpdatedAtUtc,
    bool JobClosed);
