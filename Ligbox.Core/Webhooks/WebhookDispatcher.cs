using System.Text;
using Ligbox.Core.Persistence;
using Ligbox.Core.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Webhooks;

/// <summary>
/// Sends due deliveries. All state is in the database, so pending deliveries left by a stopped
/// console are picked up when the next one starts.
/// </summary>
internal sealed class WebhookDispatcher(IDbContextFactory<LigboxDbContext> dbFactory, SecretProtector protector, WebhookSignal signal,
    IOptions<WebhookOptions> options, TimeProvider clock, ILogger<WebhookDispatcher> logger, Telemetry.LigboxMetrics metrics) : BackgroundService
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = options.Value.RequestTimeout,
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                wait = await SendDueAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Webhook sender failed; retrying after the poll interval.");
                wait = options.Value.PollInterval;
            }

            await signal.WaitAsync(wait, stoppingToken);
        }
    }

    /// <summary>Sends every due delivery; returns how long to wait before the next one falls due.</summary>
    private async Task<TimeSpan> SendDueAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var pending = await db.WebhookDeliveries.Where(d => d.Status == WebhookDeliveryStatus.Pending).ToListAsync(ct);
        var endpoints = await db.WebhookEndpoints.AsNoTracking().ToDictionaryAsync(e => e.Id, ct);
        foreach (var delivery in pending.Where(d => d.NextAttemptAtUtc <= now).OrderBy(d => d.CreatedAtUtc))
        {
            if (endpoints.TryGetValue(delivery.EndpointId, out var endpoint))
            {
                await SendAsync(delivery, endpoint, ct);
                await db.SaveChangesAsync(ct);
            }
        }

        now = clock.GetUtcNow().UtcDateTime;
        var next = pending.Where(d => d.Status == WebhookDeliveryStatus.Pending && d.NextAttemptAtUtc is not null)
            .Select(d => d.NextAttemptAtUtc!.Value - now).DefaultIfEmpty(options.Value.PollInterval).Min();
        return next < TimeSpan.Zero ? TimeSpan.Zero : next > options.Value.PollInterval ? options.Value.PollInterval : next;
    }

    private async Task SendAsync(WebhookDelivery delivery, WebhookEndpoint endpoint, CancellationToken ct)
    {
        var opts = options.Value;
        var now = clock.GetUtcNow();
        try
        {
            var secret = protector.Unprotect(endpoint.SecretProtected);
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
            {
                Content = new StringContent(delivery.PayloadJson, Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-Ligbox-Signature", WebhookService.Signature(secret, now.ToUnixTimeSeconds(), delivery.PayloadJson));
            request.Headers.Add("X-Ligbox-Event-Id", delivery.EventId.ToString());
            request.Headers.Add("X-Ligbox-Event", delivery.Type);
            using var response = await _http.SendAsync(request, ct);
            if (response.IsSuccessStatusCode)
            {
                delivery.Succeeded((int)response.StatusCode, clock.GetUtcNow().UtcDateTime);
                logger.LogInformation("Webhook {Type} {Delivery} to {Url}: attempt {Attempt} delivered ({Status}).",
                    delivery.Type, delivery.Id, endpoint.Url, delivery.Attempts, (int)response.StatusCode);
                return;
            }

            delivery.AttemptFailed((int)response.StatusCode, $"The receiver answered {(int)response.StatusCode} {response.ReasonPhrase}.", clock.GetUtcNow().UtcDateTime, opts);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or DomainException && !ct.IsCancellationRequested)
        {
            delivery.AttemptFailed(null, ex.Message, clock.GetUtcNow().UtcDateTime, opts);
        }

        metrics.WebhookDeliveryFailed(delivery.Type, final: delivery.Status == WebhookDeliveryStatus.Failed);
        logger.LogWarning("Webhook {Type} {Delivery} to {Url}: attempt {Attempt} failed ({Error}); {Next}.",
            delivery.Type, delivery.Id, endpoint.Url, delivery.Attempts, delivery.LastError,
            delivery.Status == WebhookDeliveryStatus.Failed ? "giving up" : $"next attempt at {delivery.NextAttemptAtUtc:O}");
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }
}
