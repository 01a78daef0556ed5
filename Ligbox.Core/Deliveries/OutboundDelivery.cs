namespace Ligbox.Core.Deliveries;

/// <summary>How often and how patiently one kind of delivery is tried (webhooks and report attachments have their own settings).</summary>
public interface IRetrySchedule
{
    int MaxAttempts { get; }

    TimeSpan RequestTimeout { get; }

    TimeSpan PollInterval { get; }

    /// <summary>The wait after the given number of failed attempts.</summary>
    TimeSpan DelayAfter(int attempts);
}

/// <summary>
/// A queued outgoing call (a webhook event for one endpoint, a report for one ticket): the state every attempt
/// changes. Only <see cref="DeliveryDispatcher"/> records attempts; an admin's "retry now" only makes it due again.
/// Both go through these methods and the row's <c>Version</c> concurrency token, so two writers cannot both win.
/// </summary>
public interface IOutboundDelivery
{
    Guid Id { get; }

    bool IsPending { get; }

    int Attempts { get; }

    DateTime? NextAttemptAtUtc { get; }

    DateTime CreatedAtUtc { get; }

    /// <summary>Takes the due delivery for one attempt: not due again until <paramref name="leaseUntilUtc"/> (a sender that dies mid-call leaves it to be tried again then).</summary>
    void Claim(DateTime leaseUntilUtc);

    void Succeeded(int statusCode, string? detail, DateTime nowUtc);

    void AttemptFailed(int? statusCode, string error, DateTime nowUtc, IRetrySchedule schedule);

    /// <summary>Gives up without sending (the connection was turned off, the job or the endpoint is gone).</summary>
    void Abandon(string reason, DateTime nowUtc);
}

/// <summary>What one attempt gave: delivered (with the receiver's status and an optional detail such as the file name), failed (retried), or abandoned.</summary>
public sealed record AttemptOutcome(AttemptResult Result, int? StatusCode, string? Text)
{
    public static AttemptOutcome Delivered(int statusCode, string? detail = null) => new(AttemptResult.Delivered, statusCode, detail);

    public static AttemptOutcome Failed(int? statusCode, string error) => new(AttemptResult.Failed, statusCode, error);

    public static AttemptOutcome Abandoned(string reason) => new(AttemptResult.Abandoned, null, reason);
}

public enum AttemptResult
{
    Delivered,
    Failed,
    Abandoned,
}
