using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ligbox.Console.Tests.Gate;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Gate;
using Ligbox.Core.Webhooks;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Webhooks;

/// <summary>Signed deliveries to a real HTTP receiver, retries, and delivery across a console restart.</summary>
public class WebhookDeliveryTests
{
    private const string Secret = "whsec-test-0123456789abcdef";

    /// <summary>The console with fast retries, on a data directory that can outlive one host.</summary>
    private sealed class WebhookAppFactory(string dataDir, TimeSpan baseDelay) : LigboxAppFactory(dataDir)
    {
        protected override IDictionary<string, string?> Settings
        {
            get
            {
                var settings = base.Settings;
                settings["Ligbox:Webhooks:BaseDelay"] = baseDelay.ToString("c");
                settings["Ligbox:Webhooks:PollInterval"] = "00:00:00.200";
                return settings;
            }
        }
    }

    private static string NewDataDir() => Path.Combine(Path.GetTempPath(), "ligbox-tests", "wh-" + Guid.NewGuid().ToString("N")[..10]);

    private static void AssertSigned(ReceivedWebhook hook)
    {
        var parts = hook.Signature!.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes($"{parts["t"]}.{hook.Body}"));
        Assert.Equal(Convert.ToHexStringLower(expected), parts["v1"]);
        Assert.InRange(long.Parse(parts["t"]), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds());
    }

    [Fact]
    public async Task DeliversSignedEvent_AndRetriesAfter500()
    {
        using var receiver = new WebhookReceiver { StatusCode = 500 };
        var dataDir = NewDataDir();
        await using var app = new WebhookAppFactory(dataDir, TimeSpan.FromMilliseconds(300));
        await app.InitializeAsync();
        var webhooks = app.Services.GetRequiredService<WebhookService>();
        await webhooks.AddEndpointAsync(receiver.Url, Secret, [WebhookEvents.GateApproved], "admin@ligbox.test");
        var jobId = await GateSeed.ReadyJobAsync(app.Services, "hooks.example.com");

        await app.Services.GetRequiredService<GateService>().ApproveAsync(jobId, "lead@ligbox.test", "go", false);
        await receiver.WaitForAsync(r => r.Count >= 1, TimeSpan.FromSeconds(20));
        receiver.StatusCode = 200;
        var received = await receiver.WaitForAsync(r => r.Any(x => x.AnsweredWith == 200), TimeSpan.FromSeconds(20));

        Assert.Equal(500, received[0].AnsweredWith);
        var delivered = received.First(x => x.AnsweredWith == 200);
        AssertSigned(delivered);
        Assert.Equal(received[0].EventId, delivered.EventId);
        using var body = JsonDocument.Parse(delivered.Body);
        Assert.Equal(WebhookEvents.GateApproved, body.RootElement.GetProperty("type").GetString());
        Assert.Equal(delivered.EventId, body.RootElement.GetProperty("id").GetString());
        Assert.True(body.RootElement.TryGetProperty("timestamp", out _));
        Assert.Equal("Approved", body.RootElement.GetProperty("data").GetProperty("state").GetString());
        Assert.Equal(12_000, body.RootElement.GetProperty("data").GetProperty("sourceMessages").GetInt64());

        var row = await WaitForRowAsync(webhooks, d => d.Status == WebhookDeliveryStatus.Delivered);
        Assert.True(row.Attempts >= 2);
        Assert.Equal(200, row.LastStatusCode);
        await app.DisposeAsync();
        DeleteDir(dataDir);
    }

    [Fact]
    public async Task PendingDelivery_IsSent_AfterConsoleRestart()
    {
        using var receiver = new WebhookReceiver { StatusCode = 503 };
        var dataDir = NewDataDir();
        var first = new WebhookAppFactory(dataDir, TimeSpan.FromSeconds(2));
        await first.InitializeAsync();
        var webhooks = first.Services.GetRequiredService<WebhookService>();
        await webhooks.AddEndpointAsync(receiver.Url, Secret, [WebhookEvents.RunCompleted], "admin@ligbox.test");
        await webhooks.PublishAsync(WebhookEvents.RunCompleted, null, new { runId = "r-1", status = "Succeeded" });
        await receiver.WaitForAsync(r => r.Count >= 1, TimeSpan.FromSeconds(20));
        await first.DisposeAsync();
        var countAtStop = receiver.Received.Count;
        receiver.StatusCode = 200;

        await using var second = new WebhookAppFactory(dataDir, TimeSpan.FromSeconds(2));
        await second.InitializeAsync();
        var received = await receiver.WaitForAsync(r => r.Any(x => x.AnsweredWith == 200), TimeSpan.FromSeconds(30));

        Assert.True(received.Count > countAtStop);
        AssertSigned(received.First(x => x.AnsweredWith == 200));
        var row = await WaitForRowAsync(second.Services.GetRequiredService<WebhookService>(), d => d.Status == WebhookDeliveryStatus.Delivered);
        Assert.Equal(WebhookEvents.RunCompleted, row.Type);
        await second.DisposeAsync();
        DeleteDir(dataDir);
    }

    [Fact]
    public async Task Redeliver_SendsAgain()
    {
        using var receiver = new WebhookReceiver();
        var dataDir = NewDataDir();
        await using var app = new WebhookAppFactory(dataDir, TimeSpan.FromMilliseconds(300));
        await app.InitializeAsync();
        var webhooks = app.Services.GetRequiredService<WebhookService>();
        await webhooks.AddEndpointAsync(receiver.Url, Secret, [WebhookEvents.RunFailed], "admin@ligbox.test");
        await webhooks.PublishAsync(WebhookEvents.RunFailed, null, new { reason = "boom" });
        var row = await WaitForRowAsync(webhooks, d => d.Status == WebhookDeliveryStatus.Delivered);

        await webhooks.RedeliverAsync(row.Id, "admin@ligbox.test");

        var received = await receiver.WaitForAsync(r => r.Count >= 2, TimeSpan.FromSeconds(20));
        Assert.Equal(received[0].EventId, received[1].EventId);
        await app.DisposeAsync();
        DeleteDir(dataDir);
    }

    private static async Task<WebhookDeliveryDto> WaitForRowAsync(WebhookService webhooks, Func<WebhookDeliveryDto, bool> done)
    {
        for (var i = 0; i < 200; i++)
        {
            var row = (await webhooks.ListDeliveriesAsync()).FirstOrDefault(done);
            if (row is not null)
            {
                return row;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The delivery row did not reach the expected state.");
    }

    private static void DeleteDir(string dir)
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned with the temp directory eventually.
        }
    }
}
