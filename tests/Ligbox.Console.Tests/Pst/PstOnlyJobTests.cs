using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Core.Gate;
using Ligbox.Core.Pst;
using Ligbox.Core.Runs;
using Ligbox.Testing.Dovecot;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Pst;

/// <summary>
/// Issue 11: a job without a source server takes PST/mbox imports only. Syncs are refused with the reason, the
/// import of Outlook_1.pst (read in place, real readpst, real Dovecot) runs, and the gate counts what it put there.
/// </summary>
public sealed class PstOnlyJobTests(PstOnlyJobTests.Fixture fixture) : IClassFixture<PstOnlyJobTests.Fixture>
{
    public sealed class Fixture : LigboxAppFactory
    {
        public DovecotServer Dovecot { get; } = new();

        public HttpClient Api { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await Dovecot.StartAsync();
            await base.InitializeAsync();
            Api = await CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            Dovecot.Dispose();
        }
    }

    [Fact]
    public async Task JobWithoutSource_RefusesSyncs_ImportsThePst_AndTheGateCountsIt()
    {
        var api = fixture.Api;
        var domain = "pst-only.example.com";
        var user = "ana@" + domain;
        fixture.Dovecot.AddUser(user, "Dest-Pa55!");
        using var created = await api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain,
            destination = new { host = fixture.Dovecot.Host, port = fixture.Dovecot.Port, security = "None" },
        });
        var job = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(created.StatusCode == HttpStatusCode.Created, job.ToString());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("source").ValueKind);
        var jobId = job.GetProperty("id").GetGuid();
        using var added = await api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes",
            new { sourceUser = user, sourcePassword = "unused", destUser = user, destPassword = "Dest-Pa55!" });
        var mailboxId = (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        using var sync = await api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/sync", new { kind = "initial" });
        Assert.Equal(HttpStatusCode.Conflict, sync.StatusCode);
        Assert.Contains("no source server", await sync.Content.ReadAsStringAsync());

        using var scope = fixture.Services.CreateScope();
        var imports = scope.ServiceProvider.GetRequiredService<PstImportService>();
        var runId = await imports.StartImportAsync(jobId, mailboxId, new PstImportStart(null, PstUploads.PstPath("Outlook_1.pst"), null),
            new PstImportCaller("tech@ligbox.test", null, false));
        var runs = scope.ServiceProvider.GetRequiredService<RunService>();
        RunDto run;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while ((run = await runs.GetAsync(runId)).Status is RunStatus.Queued or RunStatus.Running && DateTime.UtcNow < deadline)
        {
            await Task.Delay(300);
        }

        Assert.True(run.Status == RunStatus.Succeeded, run.Message);
        Assert.Equal(8, await fixture.Dovecot.CountMessagesAsync(user, "INBOX"));

        // The gate counts what the import put there: 8 in INBOX and 6 in Sent, all present.
        var gate = await fixture.Services.GetRequiredService<GateService>().GetAsync(jobId);
        var m = Assert.Single(gate.Result.Mailboxes);
        Assert.Equal(14, m.SourceMessages);
        Assert.Equal(14, m.DestinationMessages);
        Assert.Equal(GateGrade.Perfect, gate.Result.Grade);
        Assert.Equal(GateState.Ready, gate.State);
        Assert.Contains(gate.Events, e => e.Action == "gate.ready");
    }
}
