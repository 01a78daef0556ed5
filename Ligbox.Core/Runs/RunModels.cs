using System.Text.Json;

namespace Ligbox.Core.Runs;

/// <summary>Settings of migration runs, bound from <c>Ligbox:Runs</c>.</summary>
public sealed class RunsOptions
{
    public const string Section = "Ligbox:Runs";

    /// <summary>Mailboxes synced at the same time by this console, across every run (<see cref="MailboxSlots"/>).</summary>
    public int MaxConcurrentMailboxes { get; set; } = 4;

    /// <summary>At start-up, runs the previous process left running are started again.</summary>
    public bool AutoResume { get; set; } = true;
}

/// <summary>The kinds of sync a technician can start.</summary>
public enum SyncRunKind
{
    Initial,
    Delta,
    Final,
}

/// <summary>What <c>POST /jobs/{id}/sync</c> takes: the kind, and either chosen mailbox ids or <paramref name="FailedOnly"/> (the mailboxes that failed); neither means every mailbox not excluded.</summary>
public sealed record StartSyncRequest(string? Kind, IReadOnlyList<Guid>? Mailboxes, bool DryRun = false, bool FailedOnly = false);

public sealed record RunMailboxDto(Guid MailboxId, string SourceLogin, RunStatus Status, string? Message, JsonElement? Result);

public sealed record RunDto(
    Guid Id,
    Guid JobId,
    RunKind Kind,
    RunStatus Status,
    RunTrigger Trigger,
    bool DryRun,
    string RequestedBy,
    DateTime QueuedAtUtc,
    DateTime? StartedAtUtc,
    DateTime? EndedAtUtc,
    double? DurationSeconds,
    string? Message,
    IReadOnlyList<RunMailboxDto> Mailboxes)
{
    public bool IsActive => Status is RunStatus.Queued or RunStatus.Running or RunStatus.Resuming;

    /// <summary>The status in words ("Waiting to resume" for a run queued again after a restart).</summary>
    public string StatusText => Run.Describe(Status);

    /// <summary>The node that holds the run (issue 17): the one running it or that queued it to resume; <c>null</c> before its first start.</summary>
    public string? NodeId { get; init; }

    internal static RunDto From(Run r, IEnumerable<RunMailbox> mailboxes) => new RunDto(r.Id, r.JobId, r.Kind, r.Status, r.Trigger, r.DryRun, r.RequestedBy,
        r.QueuedAtUtc, r.StartedAtUtc, r.EndedAtUtc, r.Duration?.TotalSeconds, r.Message,
        mailboxes.OrderBy(m => m.SourceLogin, StringComparer.Ordinal)
            .Select(m => new RunMailboxDto(m.MailboxId, m.SourceLogin, m.Status, m.Message,
                m.ResultJson is null ? null : JsonSerializer.Deserialize<JsonElement>(m.ResultJson)))
            .ToList()) { NodeId = r.NodeId };
}
