using Ligbox.Core.Deliveries;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ligbox.Core.Desk;

public enum DeskDeliveryStatus
{
    Pending,
    Delivered,
    Failed,
}

/// <summary>
/// One "attach the job's report to its ticket": every attempt updates it (like a webhook delivery), so a restart
/// resumes where it stopped. The report is built when it is sent, so the ticket gets the figures of that moment.
/// </summary>
public sealed class DeskDelivery : IOutboundDelivery
{
    private DeskDelivery()
    {
    }

    public DeskDelivery(Guid jobId, string ticketId, string trigger, string requestedBy, DateTime nowUtc)
    {
        Id = Guid.NewGuid();
        JobId = jobId;
        TicketId = ticketId;
        Trigger = trigger;
        RequestedBy = requestedBy;
        Status = DeskDeliveryStatus.Pending;
        CreatedAtUtc = nowUtc;
        NextAttemptAtUtc = nowUtc;
    }

    public Guid Id { get; private set; }
    public Guid JobId { get; private set; }
    public string TicketId { get; private set; } = "";

    /// <summary><c>gate_approved</c> (automatic) or <c>manual</c>.</summary>
    public string Trigger { get; private set; } = "";
    public string RequestedBy { get; private set; } = "";
    public DeskDeliveryStatus Status { get; private set; }
    public int Attempts { get; private set; }
    public DateTime? NextAttemptAtUtc { get; private set; }
    public DateTime? LastAttemptAtUtc { get; private set; }
    public int? LastStatusCode { get; private set; }
    public string? LastError { get; private set; }
    public string? FileName { get; private set; }
    public DateTime CreatedAtUtc { get; private set; }
    public DateTime? DeliveredAtUtc { get; private set; }

    /// <summary>Concurrency token: the sender's attempt and an admin's "retry now" cannot both win.</summary>
    public int Version { get; private set; }

    public bool IsPending => Status == DeskDeliveryStatus.Pending;

    public void Claim(DateTime leaseUntilUtc)
    {
        NextAttemptAtUtc = leaseUntilUtc;
        Version++;
    }

    /// <summary>The helpdesk took the report; <paramref name="fileName"/> is the name it was attached under.</summary>
    public void Succeeded(int statusCode, string? fileName, DateTime nowUtc)
    {
        Version++;
        Attempts++;
        Status = DeskDeliveryStatus.Delivered;
        LastStatusCode = statusCode;
        LastError = null;
        FileName = fileName;
        LastAttemptAtUtc = nowUtc;
        DeliveredAtUtc = nowUtc;
        NextAttemptAtUtc = null;
    }

    public void AttemptFailed(int? statusCode, string error, DateTime nowUtc, IRetrySchedule options)
    {
        Version++;
        Attempts++;
        LastStatusCode = statusCode;
        LastError = error.Length > 1000 ? error[..1000] : error;
        LastAttemptAtUtc = nowUtc;
        if (Attempts >= options.MaxAttempts)
        {
            Status = DeskDeliveryStatus.Failed;
            NextAttemptAtUtc = null;
            return;
        }

        NextAttemptAtUtc = nowUtc + options.DelayAfter(Attempts);
    }

    /// <summary>
    /// An admin's "retry now": a failed attachment, or one waiting for its next attempt, is due at once (the
    /// attempts count on; a failed one gets one more attempt after its last).
    /// </summary>
    /// <exception cref="DomainException">It is already attached.</exception>
    public void RetryNow(DateTime nowUtc)
    {
        if (Status == DeskDeliveryStatus.Delivered)
        {
            throw new DomainException("This report is already attached to the ticket; use \"Attach to ticket\" on the job page to attach it again.");
        }

        Version++;
        Status = DeskDeliveryStatus.Pending;
        NextAttemptAtUtc = nowUtc;
    }

    /// <summary>Gives up without sending (the connection was turned off or the ticket removed).</summary>
    public void Abandon(string reason, DateTime nowUtc)
    {
        Version++;
        Status = DeskDeliveryStatus.Failed;
        LastError = reason;
        LastAttemptAtUtc = nowUtc;
        NextAttemptAtUtc = null;
    }
}

public sealed record DeskDeliveryDto(Guid Id, Guid JobId, string TicketId, string Trigger, string RequestedBy, DeskDeliveryStatus Status, int Attempts,
    DateTime? NextAttemptAtUtc, DateTime? LastAttemptAtUtc, int? LastStatusCode, string? LastError, string? FileName, DateTime CreatedAtUtc,
    DateTime? DeliveredAtUtc, string? JobDomain = null)
{
    internal static DeskDeliveryDto From(DeskDelivery d, string? jobDomain = null) => new(d.Id, d.JobId, d.TicketId, d.Trigger, d.RequestedBy, d.Status,
        d.Attempts, d.NextAttemptAtUtc, d.LastAttemptAtUtc, d.LastStatusCode, d.LastError, d.FileName, d.CreatedAtUtc, d.DeliveredAtUtc, jobDomain);
}

internal sealed class DeskDeliveryConfiguration : IEntityTypeConfiguration<DeskDelivery>
{
    public void Configure(EntityTypeBuilder<DeskDelivery> b)
    {
        b.ToTable("DeskDeliveries");
        b.HasKey(d => d.Id);
        b.Property(d => d.TicketId).HasMaxLength(200);
        b.Property(d => d.Trigger).HasMaxLength(50);
        b.Property(d => d.RequestedBy).HasMaxLength(256);
        b.Property(d => d.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(d => d.LastError).HasMaxLength(1000);
        b.Property(d => d.FileName).HasMaxLength(300);
        b.Property(d => d.Version).IsConcurrencyToken();
        b.Ignore(d => d.IsPending);
        b.HasOne<Jobs.MigrationJob>().WithMany().HasForeignKey(d => d.JobId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(d => new { d.Status, d.NextAttemptAtUtc });
        b.HasIndex(d => d.JobId);
    }
}
