using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Gate;

namespace Ligbox.Console.Tests.Desk;

/// <summary>
/// The admin API of the helpdesk connection against a real local helpdesk stand-in (Kestrel): "Test connection"
/// in words, every job's report attachments, and "retry now" sending a failed attempt's report at once. The
/// automatic retry waits an hour here, so only "retry now" can deliver within the test.
/// </summary>
public class DeskAdminApiTests(DeskAdminApiTests.Fixture fixture) : IClassFixture<DeskAdminApiTests.Fixture>, IAsyncLifetime
{
    private const string Token = "desk-admin-token-51d0c2";

    public sealed class Fixture() : DeskAppFactory("01:00:00");

    private DeskReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _receiver = await DeskReceiver.StartAsync();
        _receiver.AcceptedAuthorization = "Bearer " + Token;
        await SaveAsync(Token, _receiver.BaseUrl);
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private async Task SaveAsync(string? token, string baseUrl)
    {
        using var saved = await fixture.Callers["admin"].PutAsJsonAsync("/api/admin/desk", new
        {
            enabled = true,
            baseUrl,
            token,
            method = "POST",
            pathTemplate = "/api/tickets/{ticketId}/attachments",
            fileField = "file",
            authHeader = "Authorization",
            authScheme = "Bearer",
            attachOnApproval = false,
        });
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
    }

    private async Task<JsonElement> TestAsync()
    {
        using var response = await fixture.Callers["admin"].PostAsync("/api/admin/desk/test", null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.DoesNotContain(Token, body, StringComparison.Ordinal);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task TestConnection_SaysInWordsWhetherTheSavedHelpdeskTakesTheToken()
    {
        var ok = await TestAsync();
        Assert.True(ok.GetProperty("succeeded").GetBoolean(), ok.ToString());
        Assert.Equal("Accepted", ok.GetProperty("outcome").GetString());
        Assert.Equal(200, ok.GetProperty("statusCode").GetInt32());
        Assert.Contains("reachable and accepted the token", ok.GetProperty("message").GetString(), StringComparison.Ordinal);

        await SaveAsync("not-the-token", _receiver.BaseUrl);
        var refused = await TestAsync();
        Assert.False(refused.GetProperty("succeeded").GetBoolean());
        Assert.Equal("TokenRefused", refused.GetProperty("outcome").GetString());
        Assert.Equal(401, refused.GetProperty("statusCode").GetInt32());
        Assert.Contains("refused the token", refused.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-token", refused.ToString(), StringComparison.Ordinal);

        await SaveAsync(Token, "http://127.0.0.1:9");
        var closed = await TestAsync();
        Assert.False(closed.GetProperty("succeeded").GetBoolean());
        Assert.Equal("Unreachable", closed.GetProperty("outcome").GetString());
        Assert.Equal(JsonValueKind.Null, closed.GetProperty("statusCode").ValueKind);
        Assert.StartsWith("Could not reach the helpdesk at http://127.0.0.1:9/", closed.GetProperty("message").GetString(), StringComparison.Ordinal);

        // The connection as shown never carries the token: only whether one is set.
        var shown = await fixture.Callers["admin"].GetStringAsync("/api/admin/desk");
        Assert.Contains("\"hasToken\":true", shown, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, shown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailedAttempt_IsListedWithItsError_AndRetryNowAttachesTheReportAtOnce()
    {
        var ticket = "R-" + Random.Shared.Next(1000, 9999);
        var domain = $"deskr-{Guid.NewGuid():N}"[..14] + ".example.com";
        var jobId = await GateSeed.ReadyJobAsync(fixture.Services, domain);
        using (var patched = await fixture.Callers["token:jobs:write"].PatchAsJsonAsync($"/api/migration/jobs/{jobId}", new { ticketId = ticket }))
        {
            Assert.True(patched.IsSuccessStatusCode, await patched.Content.ReadAsStringAsync());
        }

        _receiver.Statuses.Enqueue(500);
        using (var attach = await fixture.Callers["token:jobs:write"].PostAsync($"/api/migration/jobs/{jobId}/report/attach", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, attach.StatusCode);
        }

        var waiting = await WaitForAsync(ticket, d => d.GetProperty("attempts").GetInt32() == 1);
        Assert.Equal("Pending", waiting.GetProperty("status").GetString());
        Assert.Equal(domain, waiting.GetProperty("jobDomain").GetString());
        Assert.Equal("The helpdesk answered 500 Internal Server Error.", waiting.GetProperty("lastError").GetString());
        var id = waiting.GetProperty("id").GetGuid();

        using (var forbidden = await fixture.Callers["technician"].PostAsync($"/api/admin/desk/deliveries/{id}/retry", null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        using (var retry = await fixture.Callers["admin"].PostAsync($"/api/admin/desk/deliveries/{id}/retry", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        }

        var delivered = await WaitForAsync(ticket, d => d.GetProperty("status").GetString() == "Delivered");
        Assert.Equal(2, delivered.GetProperty("attempts").GetInt32());
        Assert.Equal(201, delivered.GetProperty("lastStatusCode").GetInt32());
        var sent = _receiver.Received.Where(r => r.TicketId == ticket).ToList();
        Assert.Equal([500, 201], sent.Select(r => r.AnsweredWith));
        Assert.StartsWith("%PDF", System.Text.Encoding.ASCII.GetString(sent[1].File, 0, 4), StringComparison.Ordinal);

        // An attached report is not retried: problem details say why.
        using var again = await fixture.Callers["admin"].PostAsync($"/api/admin/desk/deliveries/{id}/retry", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        Assert.Contains("already attached", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var unknown = await fixture.Callers["admin"].PostAsync($"/api/admin/desk/deliveries/{Guid.NewGuid()}/retry", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("technician")]
    [InlineData("ops_lead")]
    [InlineData("token:all")]
    public async Task TheAdminCalls_AreRefusedToOthers(string caller)
    {
        var client = fixture.Callers[caller];
        using var list = await client.GetAsync("/api/admin/desk/deliveries");
        using var test = await client.PostAsync("/api/admin/desk/test", null);
        using var retry = await client.PostAsync($"/api/admin/desk/deliveries/{Guid.NewGuid()}/retry", null);

        Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, test.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, retry.StatusCode);
        Assert.Empty(_receiver.Received);
    }

    private async Task<JsonElement> WaitForAsync(string ticket, Func<JsonElement, bool> done)
    {
        JsonElement? last = null;
        for (var i = 0; i < 300; i++)
        {
            var list = await fixture.Callers["admin"].GetFromJsonAsync<JsonElement>("/api/admin/desk/deliveries");
            if (list.EnumerateArray().FirstOrDefault(d => d.GetProperty("ticketId").GetString() == ticket) is { ValueKind: JsonValueKind.Object } mine)
            {
                last = mine.Clone();
                if (done(mine))
                {
                    return last.Value;
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The attachment for ticket {ticket} did not reach the expected state; last seen: {last}");
    }
}
