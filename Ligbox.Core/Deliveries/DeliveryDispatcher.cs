using Ligbox.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ligbox.Core.Deliveries;

/// <summary>One kind of outgoing delivery: which rows wait, and how one attempt is made (the channel never writes the row's state).</summary>
internal interface IDeliveryChannel
{
    /// <summary>"webhook" or "desk", for the logs.</summary>
    string Kind { get; }

    IRetrySchedule Schedule { get; }

    /// <summary>The pending deliveries, tracked by <paramref name="db"/>.</summary>
    Task<IReadOnlyList<IOutboundDelivery>> PendingAsync(LigboxDbContext db, CancellationToken ct);

    /// <summary>Makes one attempt; an unreachable receiver or a refusal is an outcome, not an exception.</summary>
    Task<AttemptOutcome> SendAsync(LigboxDbContext db, IOutboundDelivery delivery, CancellationToken ct);

    /// <summary>After a failed attempt was recorded (metrics).</summary>
    void Failed(IOutboundDelivery delivery);
}

/// <summary>
/// The one sender and retry loop of every outgoing delivery (webhook events and report attachments to the
/// helpdesk): claims each due row (optimistic concurrency: another console process or an admin's "retry now"
/// that touched it first wins), makes one attempt through its channel and records the outcome on the row.
/// All state is in the database, so a stopped console's pending deliveries are sent by the next one.
/// </summary>
internal sealed class DeliveryDispatcher(IDbContextFactory<LigboxDbContext> dbFactory, IEnumerable<IDeliveryChannel> channels, DeliverySignal signal,
    TimeProvider clock, ILogger<DeliveryDispatcher> logger) : BackgroundService
{
    /// <summary>Beyond the request timeout, how long a claimed attempt may take before the row is due again.</summary>
    private static readonly TimeSpan ClaimMargin = TimeSpan.FromMinutes(1);

    private readonly IReadOnlyList<IDeliveryChannel> _channels = [.. channels];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = _channels.Select(c => c.Schedule.PollInterval).DefaultIfEmpty(TimeSpan.FromSeconds(5)).Min();
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = poll;
            foreach (var channel in _channels)
            {
                try
                {
                    var next = await SendDueAsync(channel, stoppingToken);
                    wait = next < wait ? next : wait;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "The {Kind} sender failed; retrying after the poll interval.", channel.Kind);
                }
            }

            await signal.WaitAsync(wait, stoppingToken);
        }
    }

    /// <summary>Sends the channel's due deliveries; returns how long until the next one falls due (at most the poll interval).</summary>
    private async Task<TimeSpan> SendDueAsync(IDeliveryChannel channel, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var pending = await channel.PendingAsync(db, ct);
        var now = Now;
        foreach (var delivery in pending.Where(d => d.NextAttemptAtUtc <= now).OrderBy(d => d.CreatedAtUtc).ToList())
        {
            delivery.Claim(Now + channel.Schedule.RequestTimeout + ClaimMargin);
            if (!await TrySaveAsync(db, delivery, ct))
            {
                continue; // someone else took it or changed it first
            }

            var outcome = await channel.SendAsync(db, delivery, ct);
            Record(channel, delivery, outcome);
            if (!await TrySaveAsync(db, delivery, ct))
            {
                logger.LogWarning("{Kind} delivery {Delivery} changed during its attempt (retried by an admin); its outcome ({Outcome}) is not recorded.",
                    channel.Kind, delivery.Id, outcome.Result);
            }
        }

        now = Now;
        var poll = channel.Schedule.PollInterval;
        var next = pending.Where(d => d.IsPending && d.NextAttemptAtUtc is not null)
            .Select(d => d.NextAttemptAtUtc!.Value - now).DefaultIfEmpty(poll).Min();
        return next < TimeSpan.Zero ? TimeSpan.Zero : next > poll ? poll : next;
    }

    private void Record(IDeliveryChannel channel, IOutboundDelivery delivery, AttemptOutcome outcome)
    {
        switch (outcome.Result)
        {
            case AttemptResult.Delivered:
                delivery.Succeeded(outcome.StatusCode ?? 0, outcome.Text, Now);
                logger.LogInformation("{Kind} delivery {Delivery}: attempt {Attempt} delivered ({Status}).", channel.Kind, delivery.Id, delivery.Attempts, outcome.StatusCode);
                return;
            case AttemptResult.Abandoned:
                delivery.Abandon(outcome.Text ?? "Abandoned.", Now);
                logger.LogWarning("{Kind} delivery {Delivery} abandoned: {Reason}", channel.Kind, delivery.Id, outcome.Text);
                return;
            default:
                delivery.AttemptFailed(outcome.StatusCode, outcome.Text ?? "The attempt failed.", Now, channel.Schedule);
                channel.Failed(delivery);
                logger.LogWarning("{Kind} delivery {Delivery}: attempt {Attempt} failed ({Error}); {Next}.", channel.Kind, delivery.Id, delivery.Attempts,
                    outcome.Text, delivery.IsPending ? $"next attempt at {delivery.NextAttemptAtUtc:O}" : "giving up");
                return;
        }
    }

    private static async Task<bool> TrySaveAsync(LigboxDbContext db, IOutboundDelivery delivery, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            db.Entry((object)delivery).State = EntityState.Detached;
            return false;
        }
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;
}
