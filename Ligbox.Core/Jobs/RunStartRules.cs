using Ligbox.Core.Localization;
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

/// <summary>
/// The columns of a mailbox the rules read (no secrets, no tracked entity): a 10,000-mailbox job is read as 10,000 small
/// rows, not as entities with their encrypted passwords.
/// </summary>
public sealed record RunCandidate(Guid Id, string SourceLogin, bool Excluded, string? ExcludedReason, MailboxStatus Status)
{
    public static RunCandidate From(Mailbox m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new(m.Id, m.SourceLogin, m.Excluded, m.ExcludedReason, m.Status);
    }
}

/// <summary>Whether a run may start, why not, and which mailboxes it covers (and which it leaves out, in words).</summary>
public sealed record RunStartDecision(bool Allowed, string? Reason, IReadOnlyList<RunCandidate> Covered, IReadOnlyList<string> Skipped)
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
        var text = CoreText.F("Covers {0} of {1} mailbox(es): {2}", names.Count, jobMailboxes, string.Join(", ", names.Take(10)))
            + (names.Count > 10 ? CoreText.F(" and {0} more", names.Count - 10) : "") + ".";
        return Skipped.Count == 0 ? text : text + CoreText.T(" Leaves out: ") + string.Join("; ", Skipped.Take(10))
            + (Skipped.Count > 10 ? CoreText.F("; and {0} more", Skipped.Count - 10) : "") + ".";
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
        return Decide(job, job.Mailboxes.Select(RunCandidate.From).ToList(), kind, target, facts);
    }

    /// <summary>The same rules on the job's mailboxes read as <see cref="RunCandidate"/> rows (<paramref name="job"/>'s own list is not read).</summary>
    public static RunStartDecision Decide(MigrationJob job, IReadOnlyList<RunCandidate> mailboxes, RunKind kind, RunTarget target, RunStartFacts facts)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(mailboxes);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(facts);
        var name = Name(kind);
        if (job.IsClosed)
        {
            return RunStartDecision.Refuse(CoreText.F("The job is {0}; no run can be started on it.", job.Phase == MigrationPhase.Cancelled ? CoreText.T("Cancelled") : CoreText.T("Completed")));
        }

        if (!job.HasSource && kind is RunKind.Preflight or RunKind.Initial or RunKind.Delta or RunKind.Final)
        {
            return RunStartDecision.Refuse(CoreText.F("This job has no source server: it takes PST/mbox imports only, so a {0} cannot run. ", name) +
                CoreText.T("Add a source server in the job's settings to sync from one."));
        }

        List<RunCandidate> candidates;
        var explicitChoice = target.MailboxIds is { Count: > 0 };
        if (explicitChoice)
        {
            candidates = [];
            var byId = mailboxes.ToDictionary(m => m.Id);
            foreach (var id in target.MailboxIds!.Distinct())
            {
                var m = byId.GetValueOrDefault(id);
                if (m is null)
                {
                    return RunStartDecision.Refuse(CoreText.F("The mailbox {0} is not part of this job.", id));
                }

                if (m.Excluded)
                {
                    return RunStartDecision.Refuse(CoreText.F("{0} is excluded from the job ({1}); include it again to sync it.", m.SourceLogin, m.ExcludedReason));
                }

                candidates.Add(m);
            }
        }
        else if (mailboxes.Count == 0)
        {
            return RunStartDecision.Refuse(CoreText.T("The job has no mailboxes yet; add one before starting a run."));
        }
        else
        {
            candidates = mailboxes.Where(m => !m.Excluded).ToList();
            if (candidates.Count == 0)
            {
                return RunStartDecision.Refuse(CoreText.T("Every mailbox of the job is excluded; include one before starting a run."));
            }

            if (target.FailedOnly)
            {
                candidates = candidates.Where(m => m.Status == MailboxStatus.Failed || facts.LastFailed?.Contains(m.Id) == true).ToList();
                if (candidates.Count == 0)
                {
                    return RunStartDecision.Refuse(CoreText.T("No mailbox has failed: there is nothing to retry."));
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
                return RunStartDecision.Refuse(notReady.Count == 1
                    ? CoreText.F("A {0} needs the mailbox's own successful initial sync first; {1} has none yet: run an initial sync for it.", name, Names(notReady))
                    : CoreText.F("A {0} needs the mailbox's own successful initial sync first; {1} have none yet: run an initial sync for them.", name, Names(notReady)));
            }

            if (notReady.Count == candidates.Count)
            {
                if (candidates.Where(m => facts.Busy.Contains(m.Id)).ToList() is { Count: > 0 } running)
                {
                    // Their initial sync is probably the run that is active: say that, not "no initial yet".
                    return RunStartDecision.Refuse(CoreText.F("A run is already active for {0}; wait for it or cancel it.", Names(running)));
                }

                return RunStartDecision.Refuse(target.FailedOnly
                    ? CoreText.F("A {0} needs a successful initial sync first; no mailbox that failed has one yet.", name)
                    : CoreText.F("A {0} needs a successful initial sync first; no mailbox has one yet.", name));
            }

            skipped.AddRange(notReady.Select(m => CoreText.F("{0} (no successful initial sync yet)", m.SourceLogin)));
            candidates = candidates.Where(m => facts.InitialDone.Contains(m.Id)).ToList();
        }

        var busy = candidates.Where(m => facts.Busy.Contains(m.Id)).ToList();
        if (busy.Count > 0)
        {
            return RunStartDecision.Refuse(CoreText.F("A run is already active for {0}; wait for it or cancel it.", Names(busy)));
        }

        return new RunStartDecision(true, null, candidates, skipped);
    }

    private static string Names(IEnumerable<RunCandidate> mailboxes)
    {
        var names = mailboxes.Select(m => m.SourceLogin).Order(StringComparer.Ordinal).ToList();
        return string.Join(", ", names.Take(10)) + (names.Count > 10 ? CoreText.F(" and {0} more", names.Count - 10) : "");
    }

    private static string Name(RunKind kind) => CoreText.T(kind switch
    {
        RunKind.Preflight => "pre-flight",
        RunKind.Initial => "initial sync",
        RunKind.Delta => "delta sync",
        RunKind.Final => "final sync",
        _ => kind.ToString().ToLowerInvariant() + " run",
    });
}
