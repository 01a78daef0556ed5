using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Core.Audit;
using Ligbox.Core.Gate;
using Ligbox.Core.Jobs;
using Ligbox.Tools.Statistics;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Gate;

public class GateApiTests(GateApiTests.Fixture fixture) : IClassFixture<GateApiTests.Fixture>
{
    public sealed class Fixture : LigboxAppFactory
    {
        public Dictionary<string, HttpClient> Callers { get; } = [];

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            foreach (var (name, client) in await CreatePeopleClientsAsync())
            {
                Callers[name] = client;
            }

            Callers["token:jobs:read"] = await CreateTokenClientAsync(Scopes.JobsRead);
            Callers["token:gate:read"] = await CreateTokenClientAsync(Scopes.GateRead);
            Callers["token:gate:approve"] = await CreateTokenClientAsync(Scopes.GateApprove);
            Callers["token:jobs:write"] = await CreateTokenClientAsync(Scopes.JobsWrite);
        }
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static TheoryData<string, string, int> Matrix => new()
    {
        // endpoint, caller, expected
        { "get", "anonymous", 401 }, { "get", "technician", 200 }, { "get", "ops_lead", 200 }, { "get", "admin", 200 },
        { "get", "token:jobs:read", 200 }, { "get", "token:gate:read", 200 }, { "get", "token:gate:approve", 403 }, { "get", "token:jobs:write", 403 },
        { "wizard", "anonymous", 401 }, { "wizard", "technician", 200 }, { "wizard", "ops_lead", 200 }, { "wizard", "admin", 200 },
        { "wizard", "token:jobs:read", 403 }, { "wizard", "token:gate:read", 200 }, { "wizard", "token:gate:approve", 403 }, { "wizard", "token:jobs:write", 403 },
        { "approve", "anonymous", 401 }, { "approve", "technician", 403 }, { "approve", "ops_lead", 200 }, { "approve", "admin", 200 },
        { "approve", "token:jobs:read", 403 }, { "approve", "token:gate:read", 403 }, { "approve", "token:gate:approve", 200 }, { "approve", "token:jobs:write", 403 },
        { "revoke", "anonymous", 401 }, { "revoke", "technician", 403 }, { "revoke", "ops_lead", 200 }, { "revoke", "admin", 200 },
        { "revoke", "token:jobs:read", 403 }, { "revoke", "token:gate:read", 403 }, { "revoke", "token:gate:approve", 200 }, { "revoke", "token:jobs:write", 403 },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task EnforcesRolesAndScopes(string endpoint, string caller, int expected)
    {
        var domain = $"m-{Guid.NewGuid():N}"[..14] + ".example.com";
        var id = await GateSeed.ReadyJobAsync(fixture.Services, domain);
        if (endpoint == "revoke")
        {
            using var approved = await fixture.Callers["admin"].PostAsJsonAsync($"/api/migration/jobs/{id}/approve-gate", new { comment = "go" });
            approved.EnsureSuccessStatusCode();
        }

        using var request = endpoint switch
        {
            "get" => new HttpRequestMessage(HttpMethod.Get, $"/api/migration/jobs/{id}/gate"),
            "wizard" => new HttpRequestMessage(HttpMethod.Get, $"/api/migration/gate?domain={domain}"),
            _ => new HttpRequestMessage(HttpMethod.Post, $"/api/migration/jobs/{id}/{endpoint}-gate") { Content = JsonContent.Create(new { comment = "checked by " + caller }) },
        };
        using var response = await fixture.Callers[caller].SendAsync(request);

        Assert.True(expected == (int)response.StatusCode, $"{endpoint} as {caller}: expected {expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task Wizard_Returns404Problem_ForUnknownDomain()
    {
        using var response = await fixture.Callers["token:gate:read"].GetAsync("/api/migration/gate?domain=nobody-here.example.com");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Wizard_ReportsApproval_WithTheContractFields()
    {
        var domain = "wizard.example.com";
        var id = await GateSeed.ReadyJobAsync(fixture.Services, domain);
        (await fixture.Callers["ops_lead"].PostAsJsonAsync($"/api/migration/jobs/{id}/approve-gate", new { comment = "DNS may switch" })).EnsureSuccessStatusCode();

        var gate = await fixture.Callers["token:gate:read"].GetFromJsonAsync<JsonElement>($"/api/migration/gate?domain=WIZARD.example.com");

        Assert.Equal("wizard.example.com", gate.GetProperty("domain").GetString());
        Assert.Equal("approved", gate.GetProperty("status").GetString());
        Assert.Equal("good", gate.GetProperty("grade").GetString());
        Assert.Equal(11_950.0 / 12_000, gate.GetProperty("ratio").GetDouble(), 6);
        Assert.Equal(2, gate.GetProperty("mailboxes").GetArrayLength());
        Assert.Equal("lead@ligbox.test", gate.GetProperty("approvedBy").GetString());
        Assert.NotEqual(JsonValueKind.Null, gate.GetProperty("approvedAt").ValueKind);
        Assert.NotEmpty(gate.GetProperty("reasons").EnumerateArray());
    }

    [Fact]
    public async Task ApproveBlockedGate_Returns409_WithReasons()
    {
        var id = await GateSeed.JobAsync(fixture.Services, "blocked.example.com", [new SeedMailbox("ana@blocked.example.com", 10_000, 9_850)]);

        using var response = await fixture.Callers["ops_lead"].PostAsJsonAsync($"/api/migration/jobs/{id}/approve-gate", new { comment = "please" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(problem.GetProperty("reasons").EnumerateArray(),
            r => r.GetString() == "ana@blocked.example.com: 9,850 of 10,000 messages (98.5%) — below the 99% threshold.");
    }

    [Fact]
    public async Task Approve_RequiresComment()
    {
        var id = await GateSeed.ReadyJobAsync(fixture.Services, "nocomment.example.com");

        using var response = await fixture.Callers["ops_lead"].PostAsJsonAsync($"/api/migration/jobs/{id}/approve-gate", new { comment = "  " });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("comment", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task InvestigateGrade_IsApprovedOnlyWithAcceptMissing()
    {
        var lost = new MissingMessage("INBOX", "<lost-1@example.com>", "Contract", DateTimeOffset.UtcNow.AddDays(-3));
        var id = await GateSeed.JobAsync(fixture.Services, "investigate.example.com", [new SeedMailbox("ana@investigate.example.com", 1_000, 999, lost)]);
        var client = fixture.Callers["ops_lead"];

        using var refused = await client.PostAsJsonAsync($"/api/migration/jobs/{id}/approve-gate", new { comment = "fine" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("acceptMissing", await refused.Content.ReadAsStringAsync());

        using var accepted = await client.PostAsJsonAsync($"/api/migration/jobs/{id}/approve-gate", new { comment = "customer accepts the lost contract", acceptMissing = true });
        accepted.EnsureSuccessStatusCode();
        var view = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Approved", view.GetProperty("state").GetString());
        Assert.True(view.GetProperty("acceptedMissing").GetBoolean());
        Assert.Equal("<lost-1@example.com>", view.GetProperty("result").GetProperty("missing")[0].GetProperty("messageId").GetString());
    }

    [Fact]
    public async Task ApproveAndRevoke_MovePhaseAndWriteAuditWithSnapshot()
    {
        var id = await GateSeed.ReadyJobAsync(fixture.Services, "audit.example.com");
        var client = fixture.Callers["admin"];

        var ready = await client.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{id}/gate");
        Assert.Equal("Ready", ready.GetProperty("state").GetString());
        Assert.Equal("GateReady", ready.GetProperty("phase").GetString());

        var approved = await (await client.PostAsJsonAsync($"/api/migration/jobs/{id}/approve-gate", new { comment = "all good" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("GateApproved", approved.GetProperty("phase").GetString());

        using var revoked = await client.PostAsJsonAsync($"/api/migration/jobs/{id}/revoke-gate", new { comment = "customer asked to wait" });
        revoked.EnsureSuccessStatusCode();
        var view = await revoked.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Revoked", view.GetProperty("state").GetString());
        Assert.Equal("GateReady", view.GetProperty("phase").GetString());

        var entries = await fixture.Services.GetRequiredService<AuditLog>().ListAsync(id);
        Assert.Equal(["gate.revoked", "gate.approved", "gate.ready"], entries.Select(e => e.Action).ToArray());
        var approval = entries.Single(e => e.Action == "gate.approved");
        Assert.Equal(AuditUser, approval.Actor);
        using var snapshot = JsonDocument.Parse(approval.Details!);
        Assert.Equal("all good", snapshot.RootElement.GetProperty("comment").GetString());
        Assert.Equal(12_000, snapshot.RootElement.GetProperty("sourceMessages").GetInt64());
        Assert.Equal("Good", snapshot.RootElement.GetProperty("grade").GetString());
        Assert.Equal(2, snapshot.RootElement.GetProperty("mailboxes").GetArrayLength());
    }

    private const string AuditUser = LigboxAppFactory.AdminEmail;

    [Fact]
    public async Task FailedRunAfterApproval_RevokesAutomatically()
    {
        var id = await GateSeed.ReadyJobAsync(fixture.Services, "autorevoke.example.com");
        var gates = fixture.Services.GetRequiredService<GateService>();
        await gates.ApproveAsync(id, "lead@ligbox.test", "go", false);

        await GateSeed.AddFailedRunAsync(fixture.Services, id);
        await gates.EvaluateAsync(id);

        var view = await gates.GetAsync(id);
        Assert.Equal(GateState.Revoked, view.State);
        Assert.Equal(MigrationPhase.GateReady, view.Phase);
        Assert.Contains(view.Events, e => e.Action == "gate.revoked" && e.Actor == "system" && e.Details!.Contains("failed after the approval"));
    }

    [Theory]
    [InlineData(false, false, false, "No final sync has completed yet.")]
    [InlineData(true, true, false, "A run is still queued or running")]
    [InlineData(true, false, true, "the mailbox failed (authentication refused by the source)")]
    public async Task GateIsBlocked_ByPersistedState(bool finalSync, bool runActive, bool failed, string reason)
    {
        var domain = $"b-{Guid.NewGuid():N}"[..12] + ".example.com";
        var id = await GateSeed.JobAsync(fixture.Services, domain, [new SeedMailbox("ana@" + domain, 10, 10)], finalSync, runActive, failed);

        var view = await fixture.Services.GetRequiredService<GateService>().GetAsync(id);

        Assert.Equal(GateState.Blocked, view.State);
        Assert.Contains(view.Result.Reasons, r => r.Contains(reason, StringComparison.Ordinal));
    }
}
