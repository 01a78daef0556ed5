using Ligbox.Core.Jobs;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Runs;

/// <summary>What one kind of run should do in a scenario: start and cover these mailboxes, or be refused with these words.</summary>
public sealed record StartExpectation(string Kind, bool FailedOnly, string[]? Covers, string? Refusal);

/// <summary>
/// The start-rules table (issue 10 "the job owns its phase rules"), seeded straight into the database so the
/// API (<see cref="RunStartRulesApiTests"/>) and the page's buttons (<see cref="RunStartRulesPageTests"/>) are
/// asked about exactly the same states.
/// </summary>
public static class RunStartRulesCases
{
    public static readonly string[] Logins = ["ana", "bo", "cy", "di"];

    public static IReadOnlyDictionary<string, StartExpectation[]> Table { get; } = new Dictionary<string, StartExpectation[]>
    {
        ["no-mailboxes"] =
        [
            new("preflight", false, null, "The job has no mailboxes yet; add one before starting a run."),
            new("initial", false, null, "The job has no mailboxes yet; add one before starting a run."),
            new("delta", false, null, "The job has no mailboxes yet; add one before starting a run."),
            new("final", false, null, "The job has no mailboxes yet; add one before starting a run."),
        ],
        ["fresh"] =
        [
            new("preflight", false, Logins, null),
            new("initial", false, Logins, null),
            new("delta", false, null, "A delta sync needs a successful initial sync first; no mailbox has one yet."),
            new("final", false, null, "A final sync needs a successful initial sync first; no mailbox has one yet."),
        ],
        // One wrong password among four: delta and final go on for the other three.
        ["one-of-four-failed"] =
        [
            new("initial", true, ["di"], null),
            new("delta", false, ["ana", "bo", "cy"], null),
            new("final", false, ["ana", "bo", "cy"], null),
            new("delta", true, null, "A delta sync needs a successful initial sync first; no mailbox that failed has one yet."),
        ],
        ["failed-one-excluded"] =
        [
            new("delta", false, ["ana", "bo", "cy"], null),
            new("initial", false, ["ana", "bo", "cy"], null),
            new("initial", true, null, "No mailbox has failed: there is nothing to retry."),
        ],
        ["run-active"] =
        [
            new("initial", false, null, "A run is already active for ana@"),
            new("preflight", false, null, "A run is already active for ana@"),
        ],
        ["import-only"] =
        [
            new("preflight", false, null, "This job has no source server: it takes PST/mbox imports only, so a pre-flight cannot run."),
            new("initial", false, null, "This job has no source server: it takes PST/mbox imports only, so a initial sync cannot run."),
            new("final", false, null, "This job has no source server: it takes PST/mbox imports only, so a final sync cannot run."),
        ],
        ["cancelled"] =
        [
            new("initial", false, null, "The job is Cancelled; no run can be started on it."),
            new("delta", false, null, "The job is Cancelled; no run can be started on it."),
        ],
    };

    public static TheoryData<string, int> Rows()
    {
        var data = new TheoryData<string, int>();
        foreach (var (scenario, rows) in Table)
        {
            for (var i = 0; i < rows.Length; i++)
            {
                data.Add(scenario, i);
            }
        }

        return data;
    }

    /// <summary>Seeds the scenario on a new job (servers that do not exist: a run that starts fails, which the table does not look at).</summary>
    public static async Task<(Guid JobId, string Domain)> SeedAsync(IServiceProvider services, string scenario)
    {
        var domain = $"rules-{Guid.NewGuid():N}"[..14] + ".example.com";
        var factory = services.GetRequiredService<IDbContextFactory<LigboxDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var now = DateTime.UtcNow;
        var job = new MigrationJob(domain, domain, null, scenario == "import-only" ? MigrationJob.NoSource : new ServerEndpoint { Host = "imap.invalid", Port = 1 },
            new ServerEndpoint { Host = "mx.invalid", Port = 1 }, SyncEngineKind.Native, new JobOptions(), "seed", now);
        db.Jobs.Add(job);
        var boxes = scenario == "no-mailboxes" ? [] : Logins.Select(l => job.AddMailbox($"{l}@{domain}", "x", $"{l}@{domain}", "x", null, now)).ToList();
        if (scenario is "one-of-four-failed" or "failed-one-excluded")
        {
            var run = new Run(job.Id, RunKind.Initial, RunTrigger.Manual, "seed", now.AddMinutes(-10));
            run.Start(now.AddMinutes(-10), "x.log");
            run.Fail(now.AddMinutes(-5), "1 of 4 mailbox(es) failed");
            db.Runs.Add(run);
            foreach (var box in boxes)
            {
                var row = new RunMailbox(run.Id, box.Id, box.SourceLogin);
                var wrong = box.SourceLogin.StartsWith("di@", StringComparison.Ordinal);
                row.Record(!wrong, wrong ? "the source refused the password" : "copied", null);
                db.Add(row);
                if (wrong)
                {
                    box.MarkFailed("the source refused the password");
                    if (scenario == "failed-one-excluded")
                    {
                        box.Exclude("wrong password, the customer gives up on it", "seed", now);
                    }
                }
                else
                {
                    box.RecordCounts(10, 10, now);
                }
            }
        }

        if (scenario == "run-active")
        {
            var run = new Run(job.Id, RunKind.Preflight, RunTrigger.Manual, "seed", now);
            db.Runs.Add(run);
            db.Add(new RunMailbox(run.Id, boxes[0].Id, boxes[0].SourceLogin));
        }

        if (scenario == "cancelled")
        {
            job.Cancel("test", now);
        }

        await db.SaveChangesAsync();
        return (job.Id, domain);
    }

    public static RunKind Kind(string kind) => Enum.Parse<RunKind>(kind, ignoreCase: true);
}
