using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Core.Gate;
using Ligbox.Core.Jobs;
using Ligbox.Core.Persistence;
using Ligbox.Core.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Gate;

/// <summary>
/// Issue 11, "the gate cannot lie": every change after an approval revokes it (audit in words, a queued
/// <c>migration.gate_revoked</c>), and neither the wizard endpoint nor scripts/check-gate.sh (run against the
/// console on a real port) says approved afterwards. Reading the gate changes nothing; approving straight after
/// a final never fails.
/// </summary>
public class GateRevocationTests(GateRevocationTests.Fixture fixture) : IClassFixture<GateRevocationTests.Fixture>
{
    public sealed class Fixture : LigboxKestrelAppFactory
    {
        public Dictionary<string, HttpClient> Callers { get; } = [];
        public string GateToken { get; private set; } = "";

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            // Real port (check-gate.sh needs one); API callers are tokens of a technician's and an ops lead's scopes.
            ClientOptions.BaseAddress = ServerAddress;
            Callers["technician"] = await CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite, Scopes.GateRead);
            Callers["ops_lead"] = await CreateTokenClientAsync(Scopes.GateApprove, Scopes.GateRead);
            GateToken = await CreateTokenAsync(Scopes.GateRead);
            Callers["token:gate:read"] = CreateBearerClient(GateToken);
            // A receiver that subscribes to revocations, so the queued deliveries can be counted.
            await Services.GetRequiredService<WebhookService>().AddEndpointAsync("http://127.0.0.1:9/hooks", "a-signing-secret-of-32-chars!!",
                [WebhookEvents.GateRevoked], AdminEmail);
        }
    }

    private HttpClient Tech => fixture.Callers["technician"];

    public static TheoryData<string, string> Changes => new()
    {
        { "mailbox-added", "mailbox cy@{d} was added after the approval" },
        { "mailbox-removed", "mailbox bo@{d} was removed after the approval" },
        { "mailbox-excluded", "mailbox bo@{d} was excluded from the job after the approval" },
        { "mailbox-recredentialed", "the login or password of mailbox bo@{d} was changed after the approval" },
        { "server-changed", "the destination server changed from imap.new.example.com:993 (Ssl) Plain to mx2.new.example.com:993 (Ssl) Plain after the approval" },
        { "option-changed", "the job's folder options (include, exclude, mapping, date window) changed after the approval" },
        { "certificate-pinned", "the destination server changed from imap.new.example.com:993 (Ssl) Plain to imap.new.example.com:993 (Ssl) Plain trusting certificate AB:AB:" },
        { "admin-login-set", "the destination server changed from imap.new.example.com:993 (Ssl) Plain to imap.new.example.com:993 (Ssl) Plain with admin login admin@{d} (MasterUser, password " },
        { "run-failed", "the delta run that ended at" },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task EveryChangeAfterApproval_RevokesIt_InWords_WithWebhook_AndTheWizardAndScriptSayNotApproved(string change, string words)
    {
        var domain = $"{change}-{Guid.NewGuid():N}"[..(change.Length + 7)] + ".example.com";
        var id = await GateSeed.ReadyJobAsync(fixture.Services, domain);
        using (var approve = await fixture.Callers["ops_lead"].PostAsJsonAsync($"/api/migration/jobs/{id}/approve-gate", new { comment = "DNS may switch" }))
        {
            approve.EnsureSuccessStatusCode();
        }

        Assert.Equal("approved", (await WizardAsync(domain)).GetProperty("status").GetString());
        var (approvedExit, approvedOutput) = await CheckGateAsync(domain);
        Assert.True(approvedExit == 0, approvedOutput);

        var bo = (await Tech.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{id}/mailboxes"))
            .EnumerateArray().Single(m => m.GetProperty("sourceLogin").GetString() == "bo@" + domain).GetProperty("id").GetGuid();
        using var response = change switch
        {
            "mailbox-added" => await Tech.PostAsJsonAsync($"/api/migration/jobs/{id}/mailboxes",
                new { sourceUser = "cy@" + domain, sourcePassword = "pw-1", destUser = "cy@" + domain, destPassword = "pw-2" }),
            "mailbox-removed" => await Tech.DeleteAsync($"/api/migration/jobs/{id}/mailboxes/{bo}"),
            "mailbox-excluded" => await Tech.PostAsJsonAsync($"/api/migration/jobs/{id}/mailboxes/{bo}/exclude", new { reason = "left the company" }),
            "mailbox-recredentialed" => await Tech.PatchAsJsonAsync($"/api/migration/jobs/{id}/mailboxes/{bo}", new { sourcePassword = "new-secret-1" }),
            "server-changed" => await Tech.PatchAsJsonAsync($"/api/migration/jobs/{id}", new { destination = new { host = "mx2.new.example.com", port = 993 } }),
            "certificate-pinned" => await Tech.PatchAsJsonAsync($"/api/migration/jobs/{id}",
                new { destination = new { host = "imap.new.example.com", port = 993, certificateSha256 = string.Concat(Enumerable.Repeat("ab", 32)) } }),
            "admin-login-set" => await Tech.PatchAsJsonAsync($"/api/migration/jobs/{id}",
                new { destination = new { host = "imap.new.example.com", port = 993, adminLogin = "admin@" + domain, adminMode = "MasterUser", adminPassword = "admin-secret-1" } }),
            "option-changed" => await Tech.PatchAsJsonAsync($"/api/migration/jobs/{id}", new { options = new { maxMessageAgeDays = 30 } }),
            _ => await FailARunAsync(id),
        };
        Assert.True(response.IsSuccessStatusCode, $"{change}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");

        var wizard = await WizardAsync(domain);
        Assert.NotEqual("approved", wizard.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, wizard.GetProperty("approvedBy").ValueKind);
        var (exit, output) = await CheckGateAsync(domain);
        Assert.True(exit == 1, output);
        Assert.Contains("NOT APPROVED: " + domain, output);

        var gates = fixture.Services.GetRequiredService<GateService>();
        var view = await gates.GetAsync(id);
        Assert.NotEqual(GateState.Approved, view.State);
        Assert.NotEqual(MigrationPhase.GateApproved, view.Phase);
        var expected = words.Replace("{d}", domain, StringComparison.Ordinal);
        var revoked = Assert.Single(view.Events, e => e.Action == "gate.revoked");
        Assert.Equal("system", revoked.Actor);
        Assert.Contains("Revoked automatically: " + expected, revoked.Details);
        Assert.StartsWith("Revoked automatically: ", view.Comment);

        await using var db = await fixture.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>().CreateDbContextAsync();
        Assert.Equal(1, await db.WebhookDeliveries.CountAsync(d => d.JobId == id && d.Type == WebhookEvents.GateRevoked));
        var job = await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == id);
        Assert.NotEqual(MigrationPhase.GateApproved, job.Phase);
    }

    [Fact]
    public async Task ExcludedMailbox_IsEvidence_AndNeedsExplicitAcceptance()
    {
        var domain = "excluded-accept.example.com";
        var id = await GateSeed.ReadyJobAsync(fixture.Services, domain);
        var bo = (await Tech.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{id}/mailboxes"))
            .EnumerateArray().Single(m => m.GetProperty("sourceLogin").GetString() == "bo@" + domain).GetProperty("id").GetGuid();
        (await Tech.PostAsJsonAsync($"/api/migration/jobs/{id}/mailboxes/{bo}/exclude", new { reason = "shared mailbox, not migrated" })).EnsureSuccessStatusCode();

        var gate = await Tech.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{id}/gate");
        var excluded = Assert.Single(gate.GetProperty("result").GetProperty("excluded").EnumerateArray());
        Assert.Equal("shared mailbox, not migrated", excluded.GetProperty("reason").GetString());
        Assert.Single(gate.GetProperty("result").GetProperty("mailboxes").EnumerateArray());

        using var refused = await fixture.Callers["ops_lead"].PostAsJsonAsync($"/api/migration/jobs/{id}/approve-gate", new { comment = "go" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("acceptExcluded", await refused.Content.ReadAsStringAsync());

        using var accepted = await fixture.Callers["ops_lead"].PostAsJsonAsync($"/api/migration/jobs/{id}/approve-gate",
            new { comment = "the customer does not want the shared box", acceptExcluded = true });
        accepted.EnsureSuccessStatusCode();
        Assert.Equal("approved", (await WizardAsync(domain)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task ReadingTheGate_WritesNothing()
    {
        // A job whose gate row does not exist yet: a read used to insert it and move the phase.
        var id = await GateSeed.ReadyJobAsync(fixture.Services, "pure-read.example.com");
        var factory = fixture.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            await db.Gates.Where(g => g.JobId == id).ExecuteDeleteAsync();
        }

        var before = await CountsAsync(id);
        var first = await Tech.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{id}/gate");
        var second = await Tech.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{id}/gate");
        await fixture.Callers["token:gate:read"].GetFromJsonAsync<JsonElement>("/api/migration/gate?domain=pure-read.example.com");

        Assert.Equal("Ready", first.GetProperty("state").GetString());
        Assert.Equal(first.GetProperty("state").GetString(), second.GetProperty("state").GetString());
        Assert.Equal(before, await CountsAsync(id));
    }

    [Fact]
    public async Task ApprovingWhileTheRunEndsIsEvaluated_NeverFails()
    {
        var gates = fixture.Services.GetRequiredService<GateService>();
        for (var round = 0; round < 5; round++)
        {
            var domain = $"race{round}-{Guid.NewGuid():N}"[..12] + ".example.com";
            var id = await GateSeed.ReadyJobAsync(fixture.Services, domain);
            await using (var db = await fixture.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>().CreateDbContextAsync())
            {
                // As right after a final sync: no gate row yet, the run's evaluation and the ops lead's approval meet.
                await db.Gates.Where(g => g.JobId == id).ExecuteDeleteAsync();
            }

            var evaluations = Enumerable.Range(0, 4).Select(_ => Task.Run(() => gates.EvaluateAsync(id))).ToList();
            using var approve = await fixture.Callers["ops_lead"].PostAsJsonAsync($"/api/migration/jobs/{id}/approve-gate", new { comment = "race" });
            await Task.WhenAll(evaluations);

            Assert.True(approve.StatusCode == HttpStatusCode.OK, $"round {round}: {(int)approve.StatusCode} {await approve.Content.ReadAsStringAsync()}");
            var view = await gates.GetAsync(id);
            Assert.Equal(GateState.Approved, view.State);
            Assert.Single(view.Events, e => e.Action == "gate.approved");
            // One from the seed's own evaluation, exactly one from the race: only one writer moved Blocked → Ready.
            Assert.Equal(2, view.Events.Count(e => e.Action == "gate.ready"));
        }
    }

    private async Task<(int Gates, int Audit, string Phase, int Version)> CountsAsync(Guid id)
    {
        await using var db = await fixture.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>().CreateDbContextAsync();
        var gate = await db.Gates.AsNoTracking().SingleOrDefaultAsync(g => g.JobId == id);
        return (await db.Gates.CountAsync(), await db.AuditEntries.CountAsync(), (await db.Jobs.SingleAsync(j => j.Id == id)).Phase.ToString(), gate?.Version ?? -1);
    }

    private async Task<HttpResponseMessage> FailARunAsync(Guid id)
    {
        // What the run pipeline stores and then does after every run.
        await GateSeed.AddFailedRunAsync(fixture.Services, id);
        await fixture.Services.GetRequiredService<GateService>().EvaluateAsync(id);
        return new HttpResponseMessage(HttpStatusCode.OK);
    }

    private async Task<JsonElement> WizardAsync(string domain) =>
        await fixture.Callers["token:gate:read"].GetFromJsonAsync<JsonElement>($"/api/migration/gate?domain={domain}");

    private async Task<(int Exit, string Output)> CheckGateAsync(string domain)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Ligbox.slnx")))
        {
            dir = dir.Parent;
        }

        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(dir!.FullName, "scripts", "check-gate.sh"));
        start.ArgumentList.Add(domain);
        start.Environment["LIGBOX_URL"] = fixture.ServerAddress.ToString();
        start.Environment["LIGBOX_TOKEN"] = fixture.GateToken;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
