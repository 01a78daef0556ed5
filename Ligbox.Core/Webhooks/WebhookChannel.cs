using System.Text;
using Ligbox.Core.Deliveries;
using Ligbox.Core.Persistence;
using Ligbox.Core.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Webhooks;

/// <summary>How a webhook event is sent: a signed JSON POST to the endpoint. <see cref="DeliveryDispatcher"/> decides when and records the outcome.</summary>
internal sealed class WebhookChannel(SecretProtector protector, IOptions<WebhookOptions> options, TimeProvider clock, Telemetry.LigboxMetrics metrics)
    : IDeliveryChannel, IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = options.Value.RequestTimeout,
    };

    public string Kind => "Webhook";

    public IRetrySchedule Schedule => options.Value;

    public async Task<IReadOnlyList<IOutboundDelivery>> PendingAsync(LigboxDbContext db, CancellationToken ct) =>
        await db.WebhookDeliveries.Where(d => d.Status == WebhookDeliveryStatus.Pending).ToListAsync(ct);

    public async Task<AttemptOutcome> SendAsync(LigboxDbContext db, IOutboundDelivery item, CancellationToken ct)
    {
        var delivery = (WebhookDelivery)item;
        var endpoint = await db.WebhookEndpoints.AsNoTracking().SingleOrDefaultAsync(e => e.Id == delivery.EndpointId, ct);
        if (endpoint is null)
        {
            return AttemptOutcome.Abandoned("The endpoint was deleted.");
        }

        try
        {
            var secret = protector.Unprotect(endpoint.SecretProtected);
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
            {
                Content = new StringContent(delivery.PayloadJson, Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-Ligbox-Signature", WebhookService.Signature(secret, clock.GetUtcNow().ToUnixTimeSeconds(), delivery.PayloadJson));
            request.Headers.Add("X-Ligbox-Event-Id", delivery.EventId.ToString());
            request.Headers.Add("X-Ligbox-Event", delivery.Type);
            using var response = await _http.SendAsync(request, ct);
            return response.IsSuccessStatusCode
                ? AttemptOutcome.Delivered((int)response.StatusCode)
                : AttemptOutcome.Failed((int)response.StatusCode, $"The receiver answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or DomainException && !ct.IsCancellationRequested)
        {
            return AttemptOutcome.Failed(null, ex.Message);
        }
    }

    public void Failed(IOutboundDelivery delivery) =>
        metrics.WebhookDeliveryFailed(((WebhookDelivery)delivery).Type, final: !delivery.IsPending);

    public void Dispose() => _http.Dispose();
}
