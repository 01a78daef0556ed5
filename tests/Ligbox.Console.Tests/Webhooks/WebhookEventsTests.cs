using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ligbox.Console.Tests.Gate;
using Ligbox.Console.Tests.Runs;
using Ligbox.Core.Webhooks;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;

namespace Ligbox.Console.Tests.Webhooks;

/// <summary>
/// Every event end to end to a real HTTP receiver, registered through the REST API with a generated secret:
/// gate ready, approved and revoked, run completed and failed (real runs on real Dovecot), each signed and
/// carrying the job id, its domain and its ticket; "send a test event"; the API never returns a secret twice.
/// </summary>
public class WebhookEventsTests(WebhookEventsTests.Fixture fixture) : IClassFixture<WebhookEventsTests.Fixture>
{
    public sealed class Fixture : DovecotPairAppFactory
    {
        public Dictionary<string, HttpClient> Callers { get; } = [];
        public WebhookReceiver Receiver { get; } = new();
        public string Secret { get; private set; } = "";
        public Guid EndpointId { get; private set; }

        protected override IDictionary<string, string?> Settings
        {
            get
            {
                var settings = base.Settings;
                settings["Ligbox:Webhooks:BaseDelay"] = "00:00:00.300";
                settings["Ligbox:Webhooks:PollInterval"] = "00:00:00.200";
                return settings;
            }
        }

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            foreach (var (name, client) in await CreatePeopleClientsAsync())
            {
                Callers[name] = client;
            }

            using var created = await Callers["admin"].PostAsJsonAsync("/api/admin/webhooks", new { url = Receiver.Url });
            var body = await created.Content.ReadAsStringAsync();
            Assert.True(created.StatusCode == HttpStatusCode.Created, body);
            using var doc = JsonDocument.Parse(body);
            Secret = doc.RootElement.GetProperty("secret").GetString()!;
            EndpointId = doc.RootElement.GetProperty("id").GetGuid();
            Assert.StartsWith("whsec_", Secret, StringComparison.Ordinal);
            Assert.Equal(WebhookEvents.All, doc.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetString()!).ToArray());
        }

        public override async ValueTask DisposeAsync()
        {
            Receiver.Dispose();
            await base.DisposeAsync();
        }
    }

    private void AssertSigned(ReceivedWebhook hook)
    {
        var parts = hook.Signature!.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(fixture.Secret), Encoding.UTF8.GetBytes($"{parts["t"]}.{hook.Body}"));
        Assert.Equal(Convert.ToHexStringLower(expected), parts["v1"]);
    }

    private async Task<JsonElement> WaitForEventAsync(Guid jobId, string type)
    {
        var received = await fixture.Receiver.WaitForAsync(r => r.Any(x => Is(x, jobId, type)), TimeSpan.FromSeconds(30));
        var hook = received.First(x => Is(x, jobId, type));
        AssertSigned(hook);
        var root = JsonDocument.Parse(hook.Body).RootElement;
        Assert.Equal(hook.EventId, root.GetProperty("id").GetString());
        return root;

        static bool Is(ReceivedWebhook x, Guid jobId, string type)
        {
            using var doc = JsonDocument.Parse(x.Body);
            return doc.RootElement.GetProperty("type").GetString() == type && doc.RootElement.TryGetProperty("jobId", out var id)
                && id.ValueKind == JsonValueKind.String && id.GetGuid() == jobId;
        }
    }

    [Fact]
    public async Task GateEvents_AreSigned_AndCarryJobDomainAndTicket()
    {
        var domain = $"wh-{Guid.NewGuid():N}"[..11] + ".example.com";
        var jobId = await GateSeed.ReadyJobAsync(fixture.Services, domain, "TCK-501");

        var ready = await WaitForEventAsync(jobId, WebhookEvents.GateReady);
        using (var approved = await fixture.Callers["ops_lead"].PostAsJsonAsync($"/api/migration/jobs/{jobId}/approve-gate", new { comment = "go" }))
        {
            Assert.True(approved.IsSuccessStatusCode, await approved.Content.ReadAsStringAsync());
        }

        var approval = await WaitForEventAsync(jobId, WebhookEvents.GateApproved);
        using (var revoked = await fixture.Callers["ops_lead"].PostAsJsonAsync($"/api/migration/jobs/{jobId}/revoke-gate", new { comment = "customer asked to wait" }))
        {
            Assert.True(revoked.IsSuccessStatusCode, await revoked.Content.ReadAsStringAsync());
        }

        var revocation = await WaitForEventAsync(jobId, WebhookEvents.GateRevoked);
        foreach (var e in new[] { ready, approval, revocation })
        {
            Assert.Equal(domain, e.GetProperty("domain").GetString());
            Assert.Equal("TCK-501", e.GetProperty("ticketId").GetString());
            Assert.Equal(jobId, e.GetProperty("data").GetProperty("jobId").GetGuid());
        }

        Assert.Equal("Ready", ready.GetProperty("data").GetProperty("state").GetString());
        Assert.Equal("Approved", approval.GetProperty("data").GetProperty("state").GetString());
        Assert.Equal("Revoked", revocation.GetProperty("data").GetProperty("state").GetString());
        Assert.Equal("customer asked to wait", revocation.GetProperty("data").GetProperty("comment").GetString());
    }

    [Fact]
    public async Task RunEvents_OfRealRuns_AreSigned_AndCarryJobDomainAndTicket()
    {
        var domain = $"wr-{Guid.NewGuid():N}"[..11] + ".example.com";
        using var created = await fixture.Api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain,
            ticketId = "TCK-777",
            source = new { host = fixture.Source.Host, port = fixture.Source.Port, security = "None", auth = "Plain" },
            destination = new { host = fixture.Destination.Host, port = fixture.Destination.Port, security = "None", auth = "Plain" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var jobId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var (user, sp, dp) = NewPair(fixture.Source, fixture.Destination);
        await SeedAsync(fixture.Source, user, "INBOX", 3);
        var mailboxId = await AddMailboxAsync(fixture.Api, jobId, user, sp, user, dp);

        var good = await StartAsync(fixture.Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" });
        Assert.Equal("Succeeded", (await WaitForRunAsync(fixture.Api, good, TimeSpan.FromSeconds(120))).GetProperty("status").GetString());
        var completed = await WaitForEventAsync(jobId, WebhookEvents.RunCompleted);

        using (var patched = await fixture.Api.PatchAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes/{mailboxId}", new { sourcePassword = "wrong-password" }))
        {
            Assert.True(patched.IsSuccessStatusCode, await patched.Content.ReadAsStringAsync());
        }

        var bad = await StartAsync(fixture.Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" });
        Assert.Equal("Failed", (await WaitForRunAsync(fixture.Api, bad, TimeSpan.FromSeconds(120))).GetProperty("status").GetString());
        var failed = await WaitForEventAsync(jobId, WebhookEvents.RunFailed);

        Assert.Equal(good, completed.GetProperty("data").GetProperty("runId").GetGuid());
        Assert.Equal(bad, failed.GetProperty("data").GetProperty("runId").GetGuid());
        foreach (var e in new[] { completed, failed })
        {
            Assert.Equal(domain, e.GetProperty("domain").GetString());
            Assert.Equal("TCK-777", e.GetProperty("ticketId").GetString());
        }
    }

    [Fact]
    public async Task RestApi_SendsATestEvent_NeverShowsSecrets_AndIsForAdminsOnly()
    {
        using var list = await fixture.Callers["admin"].GetAsync("/api/admin/webhooks");
        var listed = await list.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains(fixture.Receiver.Url, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Secret, listed, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", listed, StringComparison.OrdinalIgnoreCase);

        using var test = await fixture.Callers["admin"].PostAsync($"/api/admin/webhooks/{fixture.EndpointId}/test", null);
        Assert.Equal(HttpStatusCode.Accepted, test.StatusCode);
        var eventId = (await test.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventId").GetString();
        var received = await fixture.Receiver.WaitForAsync(r => r.Any(x => x.EventId == eventId), TimeSpan.FromSeconds(30));
        var hook = received.First(x => x.EventId == eventId);
        AssertSigned(hook);
        Assert.Equal(WebhookEvents.Test, JsonDocument.Parse(hook.Body).RootElement.GetProperty("type").GetString());

        using var deliveries = await fixture.Callers["admin"].GetAsync("/api/admin/webhooks/deliveries");
        Assert.DoesNotContain(fixture.Secret, await deliveries.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        foreach (var caller in new[] { "technician", "ops_lead" })
        {
            using var refused = await fixture.Callers[caller].GetAsync("/api/admin/webhooks");
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using var anonymous = await fixture.Callers["anonymous"].GetAsync("/api/admin/webhooks");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var token = await fixture.Api.GetAsync("/api/admin/webhooks");
        Assert.Equal(HttpStatusCode.Forbidden, token.StatusCode);

        using var bad = await fixture.Callers["admin"].PostAsJsonAsync("/api/admin/webhooks", new { url = "not a url", events = new[] { "nope" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("url", out _));
        Assert.True(errors.TryGetProperty("events", out _));

        using var extra = await fixture.Callers["admin"].PostAsJsonAsync("/api/admin/webhooks", new { url = "http://127.0.0.1:9/x", secret = "my-own-secret-0123456789" });
        var extraBody = JsonDocument.Parse(await extra.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("my-own-secret-0123456789", extraBody.GetProperty("secret").GetString());
        using var deleted = await fixture.Callers["admin"].DeleteAsync($"/api/admin/webhooks/{extraBody.GetProperty("id").GetGuid()}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }
}
