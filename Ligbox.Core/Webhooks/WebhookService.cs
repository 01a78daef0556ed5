using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ligbox.Core.Audit;
using Ligbox.Core.Deliveries;
using Ligbox.Core.Persistence;
using Ligbox.Core.Security;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Webhooks;

public sealed record WebhookEndpointDto(Guid Id, string Url, IReadOnlyList<string> Events, string CreatedBy, DateTime CreatedAtUtc);

/// <summary>A new endpoint with its signing secret: the only time the secret is shown.</summary>
public sealed record WebhookEndpointCreated(Guid Id, string Url, IReadOnlyList<string> Events, string CreatedBy, DateTime CreatedAtUtc, string Secret);

public sealed record WebhookDeliveryDto(Guid Id, Guid EndpointId, string Url, Guid EventId, string Type, WebhookDeliveryStatus Status,
    int Attempts, DateTime? NextAttemptAtUtc, DateTime? LastAttemptAtUtc, int? LastStatusCode, string? LastError, DateTime CreatedAtUtc);

/// <summary>Registers receivers and queues signed event deliveries; <see cref="DeliveryDispatcher"/> sends them (<see cref="WebhookChannel"/>).</summary>
public sealed class WebhookService(IDbContextFactory<LigboxDbContext> dbFactory, SecretProtector protector, AuditLog audit,
    TimeProvider clock, DeliverySignal signal)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public async Task<IReadOnlyList<WebhookEndpointDto>> ListEndpointsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.WebhookEndpoints.AsNoTracking().ToListAsync(ct);
        return rows.OrderBy(e => e.CreatedAtUtc).Select(ToDto).ToList();
    }

    public async Task<WebhookEndpointDto> AddEndpointAsync(string url, string secret, IReadOnlyCollection<string> events, string by, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.Admin, ct); // issue 12: the caller's rights now
        var errors = new Dictionary<string, List<string>>();
        if (!Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            errors.Add("url", "Enter an absolute http:// or https:// URL.");
        }

        if (string.IsNullOrWhiteSpace(secret) || secret.Length < 16)
        {
            errors.Add("secret", "The signing secret must have at least 16 characters.");
        }

        if (events is null || events.Count == 0 || events.Any(e => !WebhookEvents.All.Contains(e)))
        {
            errors.Add("events", "Choose one or more of: " + string.Join(", ", WebhookEvents.All) + ".");
        }

        ValidationFailedException.ThrowIfAny(errors);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var endpoint = new WebhookEndpoint(uri!.ToString(), protector.Protect(secret), events!, by, Now);
        db.WebhookEndpoints.Add(endpoint);
        audit.Add(db, by, "webhook.added", "WebhookEndpoint", endpoint.Id, new { endpoint.Url, events });
        await db.SaveChangesAsync(ct);
        return ToDto(endpoint);
    }

    /// <summary>Registers a receiver; without a secret one is generated. The answer is the only place the secret appears.</summary>
    public async Task<WebhookEndpointCreated> CreateEndpointAsync(string url, string? secret, IReadOnlyCollection<string> events, string by,
        CancellationToken ct = default)
    {
        var used = string.IsNullOrWhiteSpace(secret) ? GenerateSecret() : secret;
        var added = await AddEndpointAsync(url, used, events, by, ct);
        return new WebhookEndpointCreated(added.Id, added.Url, added.Events, added.CreatedBy, added.CreatedAtUtc, used);
    }

    /// <summary>A random signing secret: <c>whsec_</c> and 32 random bytes in base64url.</summary>
    public static string GenerateSecret() =>
        "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// Sends <see cref="WebhookEvents.Test"/> to one endpoint (whatever it subscribes to), signed like every event,
    /// so an admin can check the receiver and its signature check; the delivery is listed like the others.
    /// </summary>
    public async Task<Guid> SendTestAsync(Guid endpointId, string by, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.Admin, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var endpoint = await db.WebhookEndpoints.AsNoTracking().SingleOrDefaultAsync(e => e.Id == endpointId, ct)
            ?? throw new NotFoundException("Webhook endpoint", endpointId);
        var eventId = Guid.NewGuid();
        var now = Now;
        var body = JsonSerializer.Serialize(new
        {
            id = eventId,
            type = WebhookEvents.Test,
            timestamp = now,
            jobId = (Guid?)null,
            domain = (string?)null,
            ticketId = (string?)null,
            data = new { message = "A test event from the Ligbox Migration Console.", requestedBy = by },
        }, Json);
        db.WebhookDeliveries.Add(new WebhookDelivery(endpoint.Id, eventId, WebhookEvents.Test, null, body, now));
        audit.Add(db, by, "webhook.test", "WebhookEndpoint", endpoint.Id, new { endpoint.Url });
        await db.SaveChangesAsync(ct);
        signal.Wake();
        return eventId;
    }

    public async Task DeleteEndpointAsync(Guid id, string by, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.Admin, ct); // issue 12: the caller's rights now
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var endpoint = await db.WebhookEndpoints.FirstOrDefaultAsync(e => e.Id == id, ct) ?? throw new NotFoundException("Webhook endpoint", id);
        db.WebhookEndpoints.Remove(endpoint);
        audit.Add(db, by, "webhook.deleted", "WebhookEndpoint", id, new { endpoint.Url });
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<WebhookDeliveryDto>> ListDeliveriesAsync(int take = 100, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await (from d in db.WebhookDeliveries.AsNoTracking()
                          join e in db.WebhookEndpoints.AsNoTracking() on d.EndpointId equals e.Id
                          select new { d, e.Url }).ToListAsync(ct);
        return rows.OrderByDescending(r => r.d.CreatedAtUtc).Take(take)
            .Select(r => new WebhookDeliveryDto(r.d.Id, r.d.EndpointId, r.Url, r.d.EventId, r.d.Type, r.d.Status, r.d.Attempts,
                r.d.NextAttemptAtUtc, r.d.LastAttemptAtUtc, r.d.LastStatusCode, r.d.LastError, r.d.CreatedAtUtc))
            .ToList();
    }

    /// <summary>Queues one event for every endpoint that subscribes to it. For other features (runs) to call.</summary>
    public async Task<Guid> PublishAsync(string type, Guid? jobId, object? payload, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var eventId = await EnqueueAsync(db, type, jobId, payload, ct);
        await db.SaveChangesAsync(ct);
        signal.Wake();
        return eventId;
    }

    /// <summary>Adds the deliveries to the caller's context, so they commit with the change they announce. Call <see cref="Wake"/> after saving.</summary>
    public async Task<Guid> EnqueueAsync(LigboxDbContext db, string type, Guid? jobId, object? payload, CancellationToken ct = default)
    {
        if (!WebhookEvents.All.Contains(type))
        {
            throw new ArgumentException($"Unknown webhook event type '{type}'.", nameof(type));
        }

        var eventId = Guid.NewGuid();
        var now = Now;
        // Every event names the job, its domain and its helpdesk ticket, so a receiver can route it without asking back.
        var (domain, ticketId) = await JobKeysAsync(db, jobId, ct);
        var body = JsonSerializer.Serialize(new { id = eventId, type, timestamp = now, jobId, domain, ticketId, data = payload }, Json);
        var endpoints = await db.WebhookEndpoints.AsNoTracking().ToListAsync(ct);
        foreach (var endpoint in endpoints.Where(e => e.Subscribes(type)))
        {
            db.WebhookDeliveries.Add(new WebhookDelivery(endpoint.Id, eventId, type, jobId, body, now));
        }

        return eventId;
    }

    public void Wake() => signal.Wake();

    private static async Task<(string? Domain, string? TicketId)> JobKeysAsync(LigboxDbContext db, Guid? jobId, CancellationToken ct)
    {
        if (jobId is not { } id)
        {
            return (null, null);
        }

        // The caller's own (maybe changed, not yet saved) job first: the event describes the job as it commits.
        if (db.Jobs.Local.FirstOrDefault(j => j.Id == id) is { } local)
        {
            return (local.Domain, local.TicketId);
        }

        var row = await db.Jobs.AsNoTracking().Where(j => j.Id == id).Select(j => new { j.Domain, j.TicketId }).SingleOrDefaultAsync(ct);
        return (row?.Domain, row?.TicketId);
    }

    public async Task RedeliverAsync(Guid deliveryId, string by = "system", CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.Admin, ct); // issue 12: the caller's rights now
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var delivery = await db.WebhookDeliveries.FirstOrDefaultAsync(d => d.Id == deliveryId, ct) ?? throw new NotFoundException("Webhook delivery", deliveryId);
        delivery.Redeliver(Now);
        audit.Add(db, by, "webhook.redeliver", "WebhookDelivery", deliveryId, new { delivery.Type, delivery.EventId }, delivery.JobId);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new DomainException("This delivery changed while you asked (an attempt was just recorded): look at it again and retry.");
        }

        signal.Wake();
    }

    /// <summary><c>t=&lt;unix&gt;,v1=&lt;hex HMAC-SHA256 over "&lt;t&gt;.&lt;body&gt;"&gt;</c>.</summary>
    public static string Signature(string secret, long unixSeconds, string body)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{unixSeconds}.{body}"));
        return $"t={unixSeconds},v1={Convert.ToHexStringLower(mac)}";
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private static WebhookEndpointDto ToDto(WebhookEndpoint e) => new(e.Id, e.Url, e.Events, e.CreatedBy, e.CreatedAtUtc);
}
