using Ligbox.Core.Mailboxes;
using Ligbox.Core.Runs;

namespace Ligbox.Core.Jobs;

/// <summary>Which mailboxes a run is asked for: all of the job's (not excluded), chosen ones, or the ones that failed.</summary>
public sealed record RunTarget(IReadOnlyCollection<Guid>? MailboxIds = null, bool FailedOnly = false)
{
    public static RunTarget All { get; } = new();
    public static RunTarget Failed { get; } = new(null, true);
}

/// <summary>What the rules know about a job's mailboxes besides the job itself (loaded by <see cref="RunService"/>).</summary>
/// <param name="InitialDone">Mailboxes whose own initial sync succeeded (in any run, even one where another mailbox failed).</param>
/// <param name="Busy">Mailboxes in a queued or running run.</param>
/// <param name="LastFailed">Mailboxes whose latest pass failed (they stay "failed" after their password is fixed, until a pass succeeds).</param>
public sealed record RunStartFacts(IReadOnlySet<Guid> InitialDone, IReadOnlySet<Guid> Busy, IReadOnlySet<Guid>? LastFailed = null);

/// <summary>Whether a run may start, why not, and which mailboxes it covers (and which it leaves out, in words).</summary>
public sealed record RunStartDecision(bool Allowed, string? Reason, IReadOnlyList<Mailbox> Covered, IReadOnlyList<string> Skipped)
{
    public static RunStartDecision Refuse(string reason) => new(false, reason, [], []);

    /// <summary>"Covers 3 of 4 mailboxes: a, b, c. Leaves out: d (no successful initial sync yet)." for the page.</summary>
    public string Describe(int jobMailboxes)
    {
        if (!Allowed)
        {
            return Reason!;
        }

        var names = Covered.Select(m => m.SourceLogin).ToList();
        var text = $"Covers {names.Count} of {jobMailboxes} mailbox(es): {string.Join(", ", names.Take(10))}{(names.Count > 10 ? $" and {names.Count - 10} more" : "")}.";
        return Skipped.Count == 0 ? text : text + " Leaves out: " + string.Join("; ", Skipped.Take(10)) + (Skipped.Count > 10 ? $"; and {Skipped.Count - 10} more" : "") + ".";
    }
}

/// <summary>
/// The one place that decides whether a run of a kind may start for a job and which mailboxes it covers. The API
/// (<see cref="RunService"/>, 409 with the reason) and the page (disabled buttons with the same reason) both ask it.
/// A pure function of the job and <see cref="RunStartFacts"/>, so it is table-tested.
/// </summary>
public static class RunStartRules
{
    public static RunStartDecision Decide(MigrationJob job, RunKind kind, RunTarget target, RunStartFacts facts)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(facts);
        var name = Name(kind);
        if (job.IsClosed)
        {
            return RunStartDecision.Refuse($"The job is {job.Phase}; no run can be started on it.");
        }

        if (!job.HasSource && kind is RunKind.Preflight or RunKind.Initial or RunKind.Delta or RunKind.Final)
        {
            return RunStartDecision.Refuse($"This job has no source server: it takes PST/mbox imports only, so a {name} cannot run. " +
                "Add a source server in the job's settings to sync from one.");
        }

        List<Mailbox> candidates;
        var explicitChoice = target.MailboxIds is { Count: > 0 };
        if (explicitChoice)
        {
            candidates = [];
            foreach (var id in target.MailboxIds!.Distinct())
            {
                var m = job.Mailboxes.SingleOrDefault(x => x.Id == id);
                if (m is null)
                {
                    return RunStartDecision.Refuse($"The mailbox {id} is not part of this job.");
                }

                if (m.Excluded)
                {
                    return RunStartDecision.Refuse($"{m.SourceLogin} is excluded from the job ({m.ExcludedReason}); include it again to sync it.");
                }

                candidates.Add(m);
            }
        }
        else if (job.Mailboxes.Count == 0)
        {
            return RunStartDecision.Refuse("The job has no mailboxes yet; add one before starting a run.");
        }
        else
        {
            candidates = job.Mailboxes.Where(m => !m.Excluded).ToList();
            if (candidates.Count == 0)
            {
                return RunStartDecision.Refuse("Every mailbox of the job is excluded; include one before starting a run.");
            }

            if (target.FailedOnly)
            {
                candidates = candidates.Where(m => m.Status == MailboxStatus.Failed || facts.LastFailed?.Contains(m.Id) == true).ToList();
                if (candidates.Count == 0)
                {
                    return RunStartDecision.Refuse("No mailbox has failed: there is nothing to retry.");
                }
            }
        }

        candidates = candidates.OrderBy(m => m.SourceLogin, StringComparer.Ordinal).ToList();
        var skipped = new List<string>();
        if (kind is RunKind.Delta or RunKind.Final)
        {
            var notReady = candidates.Where(m => !facts.InitialDone.Contains(m.Id)).ToList();
            if (notReady.Count > 0 && explicitChoice)
            {
                return RunStartDecision.Refuse($"A {name} needs the mailbox's own successful initial sync first; " +
                    $"{Names(notReady)} {(notReady.Count == 1 ? "has" : "have")} none yet: run an initial sync for {(notReady.Count == 1 ? "it" : "them")}.");
            }

            if (notReady.Count == candidates.Count)
            {
                if (candidates.Where(m => facts.Busy.Contains(m.Id)).ToList() is { Count: > 0 } running)
                {
                    // Their initial sync is probably the run that is active: say that, not "no initial yet".
                    return RunStartDecision.Refuse($"A run is already active for {Names(running)}; wait for it or cancel it.");
                }

                return RunStartDecision.Refuse($"A {name} needs a successful initial sync first; no mailbox {(target.FailedOnly ? "that failed " : "")}has one yet.");
            }

            skipped.AddRange(notReady.Select(m => $"{m.SourceLogin} (no successful initial sync yet)"));
            candidates = candidates.Except(notReady).ToList();
        }

        var busy = candidates.Where(m => facts.Busy.Contains(m.Id)).ToList();
        if (busy.Count > 0)
        {
            return RunStartDecision.Refuse($"A run is already active for {Names(busy)}; wait for it or cancel it.");
        }

        return new RunStartDecision(true, null, candidates, skipped);
    }

    private static string Names(IEnumerable<Mailbox> mailboxes)
    {
        var names = mailboxes.Select(m => m.SourceLogin).Order(StringComparer.Ordinal).ToList();
        return string.Join(", ", names.Take(10)) + (names.Count > 10 ? $" and {names.Count - 10} more" : "");
    }

    private static string Name(RunKind kind) => kind switch
    {
        RunKind.Preflight => "pre-flight",
        RunKind.Initial => "initial sync",
        RunKind.Delta => "delta sync",
        RunKind.Final => "final sync",
        _ => kind.ToString().ToLowerInvariant() + " run",
    };
}
