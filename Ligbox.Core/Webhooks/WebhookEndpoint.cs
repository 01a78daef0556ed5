using Ligbox.Core.Deliveries;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ligbox.Core.Webhooks;

public static class WebhookEvents
{
    public const string GateReady = "migration.gate_ready";
    public const string GateApproved = "migration.gate_approved";
    public const string GateRevoked = "migration.gate_revoked";
    public const string RunCompleted = "migration.run_completed";
    public const string RunFailed = "migration.run_failed";

    /// <summary>Sent only by "send a test event" to one endpoint; not subscribable.</summary>
    public const string Test = "migration.test";

    public static readonly IReadOnlyList<string> All = [GateReady, GateApproved, GateRevoked, RunCompleted, RunFailed];
}

/// <summary>A receiver registered by an admin. The signing secret is stored only in protected form.</summary>
public sealed class WebhookEndpoint
{
    private WebhookEndpoint()
    {
    }

    public WebhookEndpoint(string url, string protectedSecret, IEnumerable<string> events, string createdBy, DateTime nowUtc)
    {
        Id = Guid.NewGuid();
        Url = url;
        SecretProtected = protectedSecret;
        EventsCsv = string.Join(',', events.Distinct(StringComparer.Ordinal));
        CreatedBy = createdBy;
        CreatedAtUtc = nowUtc;
    }

    public Guid Id { get; private set; }
    public string Url { get; private set; } = "";
    public string SecretProtected { get; private set; } = "";
    public string EventsCsv { get; private set; } = "";
    public string CreatedBy { get; private set; } = "";
    public DateTime CreatedAtUtc { get; private set; }

    public IReadOnlyList<string> Events => EventsCsv.Split(',', StringSplitOptions.RemoveEmptyEntries);

    public bool Subscribes(string type) => Events.Contains(type, StringComparer.Ordinal);
}

public enum WebhookDeliveryStatus
{
    Pending,
    Delivered,
    Failed,
}

/// <summary>One event for one endpoint: every attempt updates it, so a restart resumes where it stopped.</summary>
public sealed class WebhookDelivery : IOutboundDelivery
{
    private WebhookDelivery()
    {
    }

    public WebhookDelivery(Guid endpointId, Guid eventId, string type, Guid? jobId, string payloadJson, DateTime nowUtc)
    {
        Id = Guid.NewGuid();
        EndpointId = endpointId;
        EventId = eventId;
        Type = type;
        JobId = jobId;
        PayloadJson = payloadJson;
        Status = WebhookDeliveryStatus.Pending;
        CreatedAtUtc = nowUtc;
        NextAttemptAtUtc = nowUtc;
    }

    public Guid Id { get; private set; }
    public Guid EndpointId { get; private set; }
    public Guid EventId { get; private set; }
    public string Type { get; private set; } = "";
    public Guid? JobId { get; private set; }
    public string PayloadJson { get; private set; } = "";
    public WebhookDeliveryStatus Status { get; private set; }
    public int Attempts { get; private set; }
    public DateTime? NextAttemptAtUtc { get; private set; }
    public DateTime? LastAttemptAtUtc { get; private set; }
    public int? LastStatusCode { get; private set; }
    public string? LastError { get; private set; }
    public DateTime CreatedAtUtc { get; private set; }
    public DateTime? DeliveredAtUtc { get; private set; }

    /// <summary>Concurrency token: the sender's attempt and an admin's redelivery cannot both win.</summary>
    public int Version { get; private set; }

    public bool IsPending => Status == WebhookDeliveryStatus.Pending;

    public void Claim(DateTime leaseUntilUtc)
    {
        NextAttemptAtUtc = leaseUntilUtc;
        Version++;
    }

    public void Succeeded(int statusCode, string? detail, DateTime nowUtc)
    {
        Version++;
        Attempts++;
        Status = WebhookDeliveryStatus.Delivered;
        LastStatusCode = statusCode;
        LastError = null;
        LastAttemptAtUtc = nowUtc;
        DeliveredAtUtc = nowUtc;
        NextAttemptAtUtc = null;
    }

    /// <summary>Records a failed attempt and schedules the next one, or gives up after the last.</summary>
    public void AttemptFailed(int? statusCode, string error, DateTime nowUtc, IRetrySchedule options)
    {
        Version++;
        Attempts++;
        LastStatusCode = statusCode;
        LastError = error.Length > 1000 ? error[..1000] : error;
        LastAttemptAtUtc = nowUtc;
        if (Attempts >= options.MaxAttempts)
        {
            Status = WebhookDeliveryStatus.Failed;
            NextAttemptAtUtc = null;
            return;
        }

        NextAttemptAtUtc = nowUtc + options.DelayAfter(Attempts);
    }

    public void Abandon(string reason, DateTime nowUtc)
    {
        Version++;
        Status = WebhookDeliveryStatus.Failed;
        LastError = reason;
        LastAttemptAtUtc = nowUtc;
        NextAttemptAtUtc = null;
    }

    /// <summary>An admin sends it again now, whatever its state (a delivered event goes out once more, with the same event id).</summary>
    public void Redeliver(DateTime nowUtc)
    {
        Version++;
        Status = WebhookDeliveryStatus.Pending;
        NextAttemptAtUtc = nowUtc;
    }
}

public sealed class WebhookOptions : IRetrySchedule
{
    public const string Section = "Ligbox:Webhooks";

    /// <summary>Wait after the first failure; each further failure waits three times longer.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromHours(1);

    public int MaxAttempts { get; set; } = 10;

    /// <summary>How often pending deliveries are looked for when nothing wakes the sender.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>10 s, 30 s, 90 s, 4.5 min, … capped at <see cref="MaxDelay"/>.</summary>
    public TimeSpan DelayAfter(int attempts)
    {
        var factor = Math.Pow(3, Math.Max(0, attempts - 1));
        var ticks = Math.Min(BaseDelay.Ticks * factor, MaxDelay.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }
}

internal sealed class WebhookEndpointConfiguration : IEntityTypeConfiguration<WebhookEndpoint>
{
    public void Configure(EntityTypeBuilder<WebhookEndpoint> b)
    {
        b.ToTable("WebhookEndpoints");
        b.HasKey(e => e.Id);
        b.Property(e => e.Url).HasMaxLength(2000);
        b.Property(e => e.EventsCsv).HasMaxLength(500);
        b.Property(e => e.CreatedBy).HasMaxLength(256);
        b.Ignore(e => e.Events);
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> b)
    {
        b.ToTable("WebhookDeliveries");
        b.HasKey(d => d.Id);
        b.Property(d => d.Type).HasMaxLength(100);
        b.Property(d => d.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(d => d.LastError).HasMaxLength(1000);
        b.Property(d => d.Version).IsConcurrencyToken();
        b.Ignore(d => d.IsPending);
        b.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(d => d.EndpointId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(d => new { d.Status, d.NextAttemptAtUtc });
        b.HasIndex(d => d.CreatedAtUtc);
    }
}
