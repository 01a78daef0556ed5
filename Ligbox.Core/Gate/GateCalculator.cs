using System.Globalization;

namespace Ligbox.Core.Gate;

public enum GateGrade
{
    Perfect,
    Good,
    Investigate,
    Blocked,
}

public sealed record GateMissingMessage(string Mailbox, string Folder, string? MessageId, string? Subject, DateTimeOffset? Date);

/// <summary>What the gate knows about one mailbox: its last verified counts and what is missing.</summary>
public sealed record GateMailboxInput(
    string Login,
    long? SourceMessages,
    long? DestinationMessages,
    DateTime? VerifiedAtUtc,
    bool Failed = false,
    string? FailureMessage = null,
    long? SourceBytes = null,
    long? DestinationBytes = null,
    IReadOnlyList<GateMissingMessage>? Missing = null,
    bool FinalDone = true);

/// <summary>A mailbox excluded from the job: not counted, but listed as evidence the ops lead must accept.</summary>
public sealed record GateExcludedMailbox(string Login, string? Reason, string? By, DateTime? AtUtc);

public sealed record GateInput(
    double Threshold,
    TimeSpan MaxVerificationAge,
    DateTime NowUtc,
    bool FinalSyncDone,
    bool RunActive,
    IReadOnlyList<GateMailboxInput> Mailboxes)
{
    public IReadOnlyList<GateExcludedMailbox> Excluded { get; init; } = [];
}

public sealed record GateMailboxResult(
    string Login,
    long? SourceMessages,
    long? DestinationMessages,
    double? Ratio,
    long? SourceBytes,
    long? DestinationBytes,
    double? BytesRatio,
    GateGrade Grade,
    DateTime? VerifiedAtUtc,
    int MissingCount);

public sealed record GateResult(
    GateGrade Grade,
    double? Ratio,
    double? BytesRatio,
    long SourceMessages,
    long DestinationMessages,
    double Threshold,
    IReadOnlyList<GateMailboxResult> Mailboxes,
    IReadOnlyList<GateMissingMessage> Missing,
    IReadOnlyList<string> Reasons)
{
    public bool IsBlocked => Grade == GateGrade.Blocked;

    /// <summary>Mailboxes excluded from the job (not in the figures); approving needs their explicit acceptance.</summary>
    public IReadOnlyList<GateExcludedMailbox> Excluded { get; init; } = [];
}

/// <summary>
/// The 99% rule. A pure function of its inputs (no database, no clock) so every grade and every
/// blocking reason is covered by table tests. Reasons are sentences for the ops lead, with numbers.
/// </summary>
public static class GateCalculator
{
    private static readonly CultureInfo En = CultureInfo.InvariantCulture;

    public static GateResult Calculate(GateInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var reasons = new List<string>();
        var blocked = false;
        var threshold = Percent(input.Threshold);

        if (!input.FinalSyncDone)
        {
            blocked = true;
            reasons.Add("No final sync has completed yet.");
        }

        if (input.RunActive)
        {
            blocked = true;
            reasons.Add("A run is still queued or running; the counts may change.");
        }

        if (input.Mailboxes.Count == 0)
        {
            blocked = true;
            reasons.Add("The job has no mailboxes.");
        }

        var results = new List<GateMailboxResult>();
        var missing = new List<GateMissingMessage>();
        foreach (var m in input.Mailboxes)
        {
            var ratio = Ratio(m.SourceMessages, m.DestinationMessages);
            var bytesRatio = Ratio(m.SourceBytes, m.DestinationBytes);
            var mailboxMissing = m.Missing ?? [];
            missing.AddRange(mailboxMissing);
            var mailboxBlocked = false;

            if (m.Failed)
            {
                mailboxBlocked = true;
                reasons.Add($"{m.Login}: the mailbox failed" + (string.IsNullOrWhiteSpace(m.FailureMessage) ? "." : $" ({m.FailureMessage.Trim()})."));
            }

            if (!m.FinalDone && input.FinalSyncDone)
            {
                mailboxBlocked = true;
                reasons.Add($"{m.Login}: no final sync of this mailbox has completed yet.");
            }

            if (ratio is null || m.VerifiedAtUtc is null)
            {
                mailboxBlocked = true;
                reasons.Add($"{m.Login}: no verified message counts yet.");
            }
            else
            {
                if (ratio < input.Threshold)
                {
                    mailboxBlocked = true;
                    reasons.Add($"{m.Login}: {m.DestinationMessages!.Value.ToString("N0", En)} of {m.SourceMessages!.Value.ToString("N0", En)} messages ({Percent(ratio.Value)}) — below the {threshold} threshold.");
                }

                var age = input.NowUtc - m.VerifiedAtUtc.Value;
                if (age > input.MaxVerificationAge)
                {
                    mailboxBlocked = true;
                    reasons.Add($"{m.Login}: verified {Hours(age)} ago — older than the {Hours(input.MaxVerificationAge)} limit.");
                }
            }

            GateGrade grade;
            if (mailboxBlocked)
            {
                grade = GateGrade.Blocked;
            }
            else if (mailboxMissing.Count > 0)
            {
                grade = GateGrade.Investigate;
                reasons.Add($"{m.Login}: {mailboxMissing.Count.ToString("N0", En)} named message(s) missing on the destination ({Percent(ratio!.Value)} present).");
            }
            else
            {
                grade = ratio >= 1 ? GateGrade.Perfect : GateGrade.Good;
            }

            blocked |= mailboxBlocked;
            results.Add(new GateMailboxResult(m.Login, m.SourceMessages, m.DestinationMessages, ratio, m.SourceBytes, m.DestinationBytes, bytesRatio, grade, m.VerifiedAtUtc, mailboxMissing.Count));
        }

        var source = input.Mailboxes.Sum(m => m.SourceMessages ?? 0);
        var dest = input.Mailboxes.Sum(m => m.DestinationMessages ?? 0);
        var jobRatio = input.Mailboxes.Count == 0 || input.Mailboxes.Any(m => m.SourceMessages is null || m.DestinationMessages is null)
            ? (double?)null
            : Ratio(source, dest);
        var jobBytesRatio = input.Mailboxes.Count == 0 || input.Mailboxes.Any(m => m.SourceBytes is null || m.DestinationBytes is null)
            ? (double?)null
            : Ratio(input.Mailboxes.Sum(m => m.SourceBytes ?? 0), input.Mailboxes.Sum(m => m.DestinationBytes ?? 0));

        var jobGrade = blocked ? GateGrade.Blocked
            : results.Any(r => r.Grade == GateGrade.Investigate) ? GateGrade.Investigate
            : results.All(r => r.Grade == GateGrade.Perfect) ? GateGrade.Perfect
            : GateGrade.Good;
        if (jobGrade == GateGrade.Good)
        {
            reasons.Add($"{dest.ToString("N0", En)} of {source.ToString("N0", En)} messages ({Percent(jobRatio ?? 0)}), at or above the {threshold} threshold, with no named message missing.");
        }
        else if (jobGrade == GateGrade.Perfect)
        {
            reasons.Add($"All {source.ToString("N0", En)} messages are on the destination.");
        }

        foreach (var x in input.Excluded)
        {
            reasons.Add($"{x.Login} is excluded from the job" + (string.IsNullOrWhiteSpace(x.Reason) ? "" : $" ({x.Reason.Trim()})") +
                " and not counted; approving needs the explicit acceptance of the excluded mailboxes.");
        }

        return new GateResult(jobGrade, jobRatio, jobBytesRatio, source, dest, input.Threshold, results, missing, reasons) { Excluded = input.Excluded };
    }

    /// <summary>Destination over source; an empty source with an empty destination is complete.</summary>
    public static double? Ratio(long? source, long? destination) => (source, destination) switch
    {
        (null, _) or (_, null) => null,
        (0, _) => 1.0,
        var (s, d) => (double)d!.Value / s!.Value,
    };

    /// <summary>Truncated, never rounded up: 98.996% must not read as "99%".</summary>
    public static string Percent(double ratio) =>
        (Math.Floor((ratio * 10000) + 1e-6) / 100).ToString("0.##", En) + "%";

    private static string Hours(TimeSpan t) => t.TotalHours.ToString("0.#", En) + " h";
}
