using System.Text.RegularExpressions;
using Ligbox.Core.Audit;

namespace Ligbox.Core.Tests.Audit;

public partial class AuditSentencesTests
{
    [Theory]
    [InlineData("ana@x", "gate.approved", """{"state":"Approved","grade":"Good","ratio":1,"sourceMessages":290,"destinationMessages":290,"comment":"Counts checked"}""",
        "ana@x approved the gate: 290 of 290 messages (100.00 %), grade good, comment “Counts checked”.")]
    [InlineData("ana@x", "gate.revoked", """{"sourceMessages":290,"destinationMessages":290,"comment":"Customer postponed"}""",
        "ana@x revoked the gate approval, comment “Customer postponed”.")]
    [InlineData("system", "gate.revoked", """{"comment":"Revoked automatically: a run failed after the approval."}""",
        "The gate approval was revoked automatically: a run failed after the approval.")]
    [InlineData("system", "gate.ready", """{"sourceMessages":10,"destinationMessages":10,"ratio":1,"grade":"Good"}""",
        "The gate became ready: 10 of 10 messages (100.00 %), grade good.")]
    [InlineData("system", "gate.blocked", """{"sourceMessages":10,"destinationMessages":5,"ratio":0.5,"grade":"Blocked","reasons":["Half the messages are missing."]}""",
        "The gate is blocked: 5 of 10 messages (50.00 %), grade blocked — Half the messages are missing.")]
    [InlineData("tech@x", "job.created", """{"domain":"contoso.example","name":"Contoso","ticketId":"HD-1"}""", "tech@x created the job for contoso.example (ticket HD-1).")]
    [InlineData("tech@x", "job.updated", """{"name":"N","source":{"host":"h"}}""", "tech@x changed the job's name and source.")]
    [InlineData("tech@x", "job.updated", """{"changes":["destination server changed from a:993 Ssl Plain to b:993 Ssl Plain","folders included changed from (none) to INBOX"]}""",
        "tech@x changed the job's settings (destination server changed from a:993 Ssl Plain to b:993 Ssl Plain and folders included changed from (none) to INBOX).")]
    [InlineData("tech@x", "job.cancelled", """{"reason":"Customer postponed"}""", "tech@x cancelled the job: Customer postponed.")]
    [InlineData("tech@x", "mailbox.added", """{"sourceLogin":"anna@old","destinationLogin":"anna@new"}""", "tech@x added the mailbox anna@old (to anna@new).")]
    [InlineData("tech@x", "mailbox.updated", """{"mailbox":"anna@old","changes":["source password","folder prefix"]}""", "tech@x changed the mailbox anna@old (source password and folder prefix).")]
    [InlineData("tech@x", "mailbox.removed", """{"mailbox":"anna@old","destinationLogin":"anna@new"}""", "tech@x removed the mailbox anna@old from the job.")]
    [InlineData("tech@x", "mailbox.excluded", """{"mailbox":"anna@old","reason":"left the company"}""", "tech@x excluded the mailbox anna@old from the job: left the company.")]
    [InlineData("tech@x", "mailbox.included", """{"mailbox":"anna@old"}""", "tech@x included the mailbox anna@old in the job again.")]
    [InlineData("tech@x", "mailboxes.imported", """{"count":2}""", "tech@x imported 2 mailboxes from a CSV file.")]
    [InlineData("tech@x", "run.started", """{"kind":"Initial","mailboxes":4,"dryRun":false,"trigger":"Manual"}""", "tech@x started an initial sync of 4 mailboxes.")]
    [InlineData("tech@x", "run.started", """{"kind":"Preflight","mailboxes":1,"dryRun":false,"trigger":"Manual"}""", "tech@x started a pre-flight of 1 mailbox.")]
    [InlineData("system", "run.started", """{"kind":"Delta","mailboxes":3,"dryRun":false,"trigger":"Scheduled"}""", "system started a delta sync of 3 mailboxes on schedule.")]
    [InlineData("tech@x", "run.cancelled", """{"kind":"Final"}""", "tech@x cancelled the final sync.")]
    [InlineData("system", "run.resumed", """{"kind":"Initial"}""", "The console resumed the initial sync after a restart.")]
    [InlineData("system", "run.ended", """{"kind":"Initial","status":"Failed","message":"1 of 4 mailbox(es) failed: bob: wrong password."}""",
        "The initial sync failed: 1 of 4 mailbox(es) failed: bob: wrong password.")]
    [InlineData("system", "run.ended", """{"kind":"Preflight","status":"Succeeded"}""", "The pre-flight succeeded.")]
    [InlineData("tech@x", "schedule.updated", """{"enabled":true,"everyHours":6}""", "tech@x scheduled delta syncs every 6 hours.")]
    [InlineData("tech@x", "schedule.updated", """{"enabled":false}""", "tech@x turned the scheduled delta syncs off.")]
    [InlineData("scheduler", "schedule.started", """{"runId":"x"}""", "The schedule started a delta sync.")]
    [InlineData("scheduler", "schedule.skipped", """{"reason":"a run is active"}""", "The schedule skipped a delta sync: a run is active.")]
    [InlineData("tech@x", "pst.import.started", """{"file":"anna.pst","rootFolder":"Imported"}""", "tech@x started importing anna.pst into Imported.")]
    [InlineData("tech@x", "zimbra.import.started", """{"file":"ana.tgz","rootFolder":"Imported Zimbra"}""", "tech@x started importing the Zimbra export ana.tgz into Imported Zimbra.")]
    [InlineData("tech@x", "zimbra.export.started", """{"account":"ana@x","query":"after:1/1/2026","rootFolder":null}""", "tech@x started exporting ana@x from the Zimbra server over SSH (only after:1/1/2026).")]
    [InlineData("tech@x", "zimbra.ssh.saved", """{"host":"zim.x","port":22,"user":"root","hostKey":"SHA256:abc","privateKey":true}""", "tech@x set the Zimbra server to root@zim.x:22, trusting host key SHA256:abc.")]
    [InlineData("tech@x", "pst.quarantine.retried", """{"file":"anna.pst"}""", "tech@x retried the quarantined messages of anna.pst.")]
    [InlineData("admin@x", "webhook.added", """{"url":"https://h/x","events":["a"]}""", "admin@x added the webhook https://h/x.")]
    [InlineData("admin@x", "webhook.deleted", """{"url":"https://h/x"}""", "admin@x deleted the webhook https://h/x.")]
    [InlineData("admin@x", "webhook.redeliver", """{"type":"run.failed"}""", "admin@x asked to deliver the run.failed event again.")]
    [InlineData("admin@x", "user.created", """{"email":"bo@x","role":"technician"}""", "admin@x created the account bo@x (technician).")]
    [InlineData("admin@x", "user.role_changed", """{"email":"bo@x","from":["technician"],"to":"ops_lead"}""", "admin@x changed the role of bo@x to ops_lead.")]
    [InlineData("admin@x", "user.password_reset", """{"email":"bo@x"}""", "admin@x reset the password of bo@x.")]
    [InlineData("bo@x", "user.password_changed", """{"email":"bo@x"}""", "bo@x changed their own password.")]
    [InlineData("ana@x", "user.preferences_changed", """{"language":"pt","timeZone":"Europe/Lisbon"}""", "ana@x set their language to pt and their time zone to Europe/Lisbon.")]
    [InlineData("admin@x", "user.disabled", """{"email":"bo@x"}""", "admin@x disabled the account bo@x.")]
    [InlineData("admin@x", "user.enabled", """{"email":"bo@x"}""", "admin@x enabled the account bo@x.")]
    [InlineData("admin@x", "token.created", """{"name":"helpdesk"}""", "admin@x created the API token “helpdesk”.")]
    [InlineData("system", "token.bootstrapped", """{"scopes":["jobs:read"]}""", "The console created the first API token from its configuration.")]
    [InlineData("admin@x", "token.revoked", """{"name":"helpdesk"}""", "admin@x revoked the API token “helpdesk”.")]
    public void Describes_EachAction_InOneSentence(string actor, string action, string details, string expected) =>
        Assert.Equal(expected, AuditSentences.Describe(actor, action, "x", Guid.NewGuid().ToString(), details));

    [Fact]
    public void UnknownAction_FallsBackToReadableDefault_NamingTheMailboxByLogin()
    {
        var text = AuditSentences.Describe("tech@x", "mailbox.archived", "mailbox", Guid.NewGuid().ToString(), """{"sourceLogin":"bob@old","reason":"left the company"}""");
        Assert.Equal("tech@x: archived mailbox (bob@old) — sourceLogin: bob@old, reason: left the company.", text);
    }

    [Fact]
    public void Tolerates_MissingOrBrokenDetails()
    {
        Assert.Equal("tech@x cancelled the job.", AuditSentences.Describe("tech@x", "job.cancelled", "job", "1", null));
        Assert.Equal("The gate became ready: no figures yet.", AuditSentences.Describe("system", "gate.ready", "Gate", "1", "{not json"));
    }

    /// <summary>Every action the code writes (an <c>audit.Add(db, actor, "x.y", …)</c> or a literal handed to it) has its own sentence.</summary>
    [Fact]
    public void EveryActionWrittenByTheCode_HasItsOwnSentence()
    {
        var root = RepoRoot();
        var written = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "Ligbox.Core"), "*.cs", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            foreach (Match call in AuditCall().Matches(text))
            {
                foreach (Match literal in ActionLiteral().Matches(call.Value))
                {
                    written.Add(literal.Groups[1].Value);
                }
            }
        }

        Assert.Contains("mailbox.excluded", written);
        Assert.Contains("run.ended", written);
        Assert.Contains("user.created", written);
        var missing = written.Where(a => !AuditSentences.KnownActions.Contains(a)).ToList();
        Assert.True(missing.Count == 0, "Actions without a sentence in AuditSentences: " + string.Join(", ", missing));
    }

    /// <summary><c>audit.Add(…)</c>, and UserAdminService's helper <c>AuditAsync(actor, "user.x", …)</c>.</summary>
    [GeneratedRegex(@"(?:audit\.Add|AuditAsync)\([^;]*;", RegexOptions.Singleline)]
    private static partial Regex AuditCall();

    [GeneratedRegex(@"""([a-z_]+(?:\.[a-z_]+)+)""")]
    private static partial Regex ActionLiteral();

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ligbox.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Repository root not found.");
    }
}
