using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Dashboard;

/// <summary><c>GET /api/dashboard</c>: who may read it, what it answers (the service the home page shows), and that reading writes nothing.</summary>
public class DashboardApiTests(DashboardApiTests.Fixture fixture) : IClassFixture<DashboardApiTests.Fixture>
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
            Callers["token:gate"] = await CreateTokenClientAsync(Scopes.GateRead);
            using var created = await Callers["admin"].PostAsJsonAsync("/api/migration/jobs", new
            {
                domain = "api-dash.example.com",
                source = new { host = "imap.old.example.com", port = 993, security = "Ssl" },
                destination = new { host = "mail.ligbox.example", port = 143, security = "StartTls" },
            });
            created.EnsureSuccessStatusCode();
        }
    }

    [Theory]
    [InlineData("anonymous", HttpStatusCode.Unauthorized)]
    [InlineData("technician", HttpStatusCode.OK)]
    [InlineData("ops_lead", HttpStatusCode.OK)]
    [InlineData("admin", HttpStatusCode.OK)]
    [InlineData("token:jobs:read", HttpStatusCode.OK)]
    [InlineData("token:gate", HttpStatusCode.Forbidden)]
    public async Task NeedsJobsRead_AndRefusesWithProblemDetails(string caller, HttpStatusCode expected)
    {
        using var response = await fixture.Callers[caller].GetAsync("/api/dashboard");

        Assert.Equal(expected, response.StatusCode);
        if (expected != HttpStatusCode.OK)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task AnswersTheServicesFigures_WithPhasesAsWords_And30Days_WithoutWriting()
    {
        await using var db = await fixture.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>().CreateDbContextAsync();
        var auditBefore = await db.AuditEntries.CountAsync();

        using var response = await fixture.Callers["token:jobs:read"].GetAsync("/api/dashboard");
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = doc.RootElement;

        var draft = root.GetProperty("jobsByPhase").EnumerateArray().Single(p => p.GetProperty("phase").GetString() == "Draft");
        Assert.True(draft.GetProperty("jobs").GetInt32() >= 1);
        Assert.Equal(30, root.GetProperty("daily").GetArrayLength());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", root.GetProperty("daily")[29].GetProperty("day").GetString());
        Assert.Contains(root.GetProperty("biggestOpenJobs").EnumerateArray(), j => j.GetProperty("domain").GetString() == "api-dash.example.com");
        foreach (var member in new[] { "gatesWaiting", "runningNow", "failures", "failuresTotal", "throughput", "openJobs", "generatedAtUtc" })
        {
            Assert.True(root.TryGetProperty(member, out _), member);
        }

        Assert.Equal(auditBefore, await db.AuditEntries.CountAsync());
    }
}
