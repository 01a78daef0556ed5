using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ligbox.Console.Tests.Gate;
using Ligbox.Console.Tests.Reports;

namespace Ligbox.Console.Tests.Desk;

/// <summary>
/// The job report attached to the job's helpdesk ticket: automatically when the gate is approved and on demand,
/// against a real HTTP receiver (Kestrel) that fails first, so the console retries; the token stays write-only.
/// </summary>
public class DeskAttachTests(DeskAttachTests.Fixture fixture) : IClassFixture<DeskAttachTests.Fixture>, IAsyncLifetime
{
    private const string Token = "desk-token-7c1f0e5b9a";

    public sealed class Fixture() : DeskAppFactory("00:00:00.300");

    private DeskReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _receiver = await DeskReceiver.StartAsync();
        using var saved = await fixture.Callers["admin"].PutAsJsonAsync("/api/admin/desk", new
        {
            enabled = true,
            baseUrl = _receiver.BaseUrl,
            token = Token,
            method = "POST",
            pathTemplate = "/api/tickets/{ticketId}/attachments",
            fileField = "file",
            authHeader = "Authorization",
            authScheme = "Bearer",
            attachOnApproval = true,
        });
        var body = await saved.Content.ReadAsStringAsync();
        Assert.True(saved.IsSuccessStatusCode, body);
        Assert.DoesNotContain(Token, body, StringComparison.Ordinal);
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("hasToken").GetBoolean());
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private async Task<Guid> ReadyJobWithTicketAsync(string ticket)
    {
        var domain = $"desk-{Guid.NewGuid():N}"[..13] + ".example.com";
        var jobId = await GateSeed.ReadyJobAsync(fixture.Services, domain);
        using var patched = await fixture.Callers["token:jobs:write"].PatchAsJsonAsync($"/api/migration/jobs/{jobId}", new { ticketId = ticket });
        Assert.True(patched.IsSuccessStatusCode, await patched.Content.ReadAsStringAsync());
        return jobId;
    }

    private async Task<JsonElement> WaitForDeliveryAsync(Guid jobId, string status)
    {
        for (var i = 0; i < 200; i++)
        {
            var list = await fixture.Callers["token:jobs:write"].GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}/report/deliveries");
            if (list.EnumerateArray().FirstOrDefault(d => d.GetProperty("status").GetString() == status) is { ValueKind: JsonValueKind.Object } found)
            {
                return found;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"No {status} delivery for job {jobId}.");
    }

    [Fact]
    public async Task ApprovingTheGate_AttachesTheReport_RetryingAfterAFailure()
    {
        var ticket = "T-" + Random.Shared.Next(1000, 9999);
        var jobId = await ReadyJobWithTicketAsync(ticket);
        _receiver.Statuses.Enqueue(503);

        using var approved = await fixture.Callers["ops_lead"].PostAsJsonAsync($"/api/migration/jobs/{jobId}/approve-gate", new { comment = "go" });
        Assert.True(approved.IsSuccessStatusCode, await approved.Content.ReadAsStringAsync());

        var received = await _receiver.WaitForAsync(r => r.Count(x => x.TicketId == ticket) >= 2, TimeSpan.FromSeconds(30));
        var mine = received.Where(x => x.TicketId == ticket).ToList();
        Assert.Equal(503, mine[0].AnsweredWith);
        Assert.Equal(201, mine[1].AnsweredWith);
        Assert.Equal("POST", mine[1].Method);
        Assert.Equal("Bearer " + Token, mine[1].Authorization);
        Assert.Equal("application/pdf", mine[1].ContentType);
        Assert.EndsWith(".pdf", mine[1].FileName, StringComparison.Ordinal);
        Assert.StartsWith("%PDF", Encoding.ASCII.GetString(mine[1].File, 0, 4), StringComparison.Ordinal);
        var text = await JobReportTests.PdfTextAsync(mine[1].File);
        Assert.Contains("We moved 11,950 of 12,000 messages", text, StringComparison.Ordinal);
        Assert.Contains("lead@ligbox.test approved the gate", text, StringComparison.Ordinal);

        var delivery = await WaitForDeliveryAsync(jobId, "Delivered");
        Assert.Equal("gate_approved", delivery.GetProperty("trigger").GetString());
        Assert.Equal(ticket, delivery.GetProperty("ticketId").GetString());
        Assert.Equal(2, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(201, delivery.GetProperty("lastStatusCode").GetInt32());
    }

    [Fact]
    public async Task OnDemand_AttachesTheReport_AndRefusesAJobWithoutTicket()
    {
        var ticket = "T-" + Random.Shared.Next(1000, 9999);
        var jobId = await ReadyJobWithTicketAsync(ticket);

        using var accepted = await fixture.Callers["token:jobs:write"].PostAsync($"/api/migration/jobs/{jobId}/report/attach", null);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        await _receiver.WaitForAsync(r => r.Any(x => x.TicketId == ticket && x.AnsweredWith == 201), TimeSpan.FromSeconds(30));
        var delivery = await WaitForDeliveryAsync(jobId, "Delivered");
        Assert.Equal("manual", delivery.GetProperty("trigger").GetString());

        var noTicket = await GateSeed.ReadyJobAsync(fixture.Services, $"nt-{Guid.NewGuid():N}"[..11] + ".example.com");
        using var refused = await fixture.Callers["token:jobs:write"].PostAsync($"/api/migration/jobs/{noTicket}/report/attach", null);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("no ticket", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("anonymous", 401)]
    [InlineData("technician", 403)]
    [InlineData("ops_lead", 403)]
    [InlineData("admin", 200)]
    [InlineData("token:all", 403)]
    public async Task DeskSettings_AreForAdminsOnly_AndNeverShowTheToken(string caller, int expected)
    {
        using var response = await fixture.Callers[caller].GetAsync("/api/admin/desk");
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(expected == (int)response.StatusCode, $"{caller}: {(int)response.StatusCode} {body}");
        Assert.DoesNotContain(Token, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadSettings_AreRefusedWithTheFields()
    {
        using var response = await fixture.Callers["admin"].PutAsJsonAsync("/api/admin/desk", new
        {
            enabled = true,
            baseUrl = "ftp://desk.example",
            method = "DELETE",
            pathTemplate = "/tickets/attachments",
            fileField = "file",
            authHeader = "Authorization",
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("baseUrl", out _));
        Assert.True(errors.TryGetProperty("method", out _));
        Assert.True(errors.TryGetProperty("pathTemplate", out _));
    }
}
