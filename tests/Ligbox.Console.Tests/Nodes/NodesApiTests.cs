using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;

namespace Ligbox.Console.Tests.Nodes;

/// <summary><c>GET /api/nodes</c> (issue 17): admins see every node with its heartbeat; everybody else gets problem details.</summary>
public sealed class NodesApiTests(LigboxAppFactory app) : IClassFixture<LigboxAppFactory>
{
    [Fact]
    public async Task AnAdmin_SeesThisNodeAlive_AndAWorkerThatStoppedAnswering_WithItsRunningRun()
    {
        await NodeRows.AddWorkerWithARunAsync(app.Services, "worker-api", DateTime.UtcNow.AddMinutes(-10));
        using var admin = await app.SignInAsync(LigboxAppFactory.AdminEmail, LigboxAppFactory.AdminPassword);

        var nodes = await admin.GetFromJsonAsync<JsonElement>("/api/nodes");

        var self = nodes.EnumerateArray().Single(n => n.GetProperty("isThisNode").GetBoolean());
        Assert.Equal(Environment.MachineName, self.GetProperty("id").GetString());
        Assert.Equal("All", self.GetProperty("role").GetString());
        Assert.True(self.GetProperty("alive").GetBoolean());
        Assert.True(self.GetProperty("lastHeartbeatAtUtc").GetDateTime() > DateTime.UtcNow.AddMinutes(-1));
        var worker = nodes.EnumerateArray().Single(n => n.GetProperty("id").GetString() == "worker-api");
        Assert.False(worker.GetProperty("alive").GetBoolean());
        Assert.Equal("Worker", worker.GetProperty("role").GetString());
        Assert.Equal(1, worker.GetProperty("runsRunning").GetInt32());
        Assert.Equal("ligbox-migration", worker.GetProperty("host").GetString());
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData(Roles.Technician, HttpStatusCode.Forbidden)]
    [InlineData(Roles.OpsLead, HttpStatusCode.Forbidden)]
    public async Task NobodyButAnAdmin_ReadsTheNodes_AndGetsProblemDetails(string? role, HttpStatusCode expected)
    {
        using var client = app.CreateClient();
        var caller = client;
        if (role is not null)
        {
            var email = $"{role.Replace('_', '-')}-{Guid.NewGuid():N}"[..20] + "@ligbox.test";
            await app.CreateUserAsync(email, role);
            caller = await app.SignInAsync(email, LigboxAppFactory.DefaultPassword);
        }

        using var response = await caller.GetAsync("/api/nodes");

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AnApiToken_EvenWithEveryScope_IsRefused()
    {
        using var api = await app.CreateTokenClientAsync([.. Scopes.All]);

        using var response = await api.GetAsync("/api/nodes");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
