using Ligbox.Console.Tests.Gate;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Desk;
using Ligbox.Core.Persistence;
using Ligbox.Core.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Desk;

/// <summary>
/// A delivery's state has one writer at a time: an admin's "retry now" / "redeliver" and a sender holding the row
/// from before (another console process, or the loop mid-attempt) cannot both win; the stale write is refused by
/// the row's Version, on the real SQLite file.
/// </summary>
public class DeliveryOneWriterTests(LigboxAppFactory app) : IClassFixture<LigboxAppFactory>
{
    private IDbContextFactory<LigboxDbContext> Db => app.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>();

    [Fact]
    public async Task A_stale_write_of_an_attachment_after_Retry_now_is_refused()
    {
        var desk = app.Services.GetRequiredService<DeskService>();
        await desk.SaveConnectionAsync(new DeskSettings { Enabled = true, BaseUrl = "http://127.0.0.1:9", Token = "one-writer-token", AttachOnApproval = false },
            LigboxAppFactory.AdminEmail);
        var jobId = await GateSeed.ReadyJobAsync(app.Services, $"ow-{Guid.NewGuid():N}"[..12] + ".example.com", "OW-1");
        var delivery = new DeskDelivery(jobId, "OW-1", DeskService.TriggerManual, LigboxAppFactory.AdminEmail, DateTime.UtcNow);
        delivery.AttemptFailed(500, "The helpdesk answered 500 Internal Server Error.", DateTime.UtcNow, new DeskOptions { MaxAttempts = 1 });
        await using (var seed = await Db.CreateDbContextAsync())
        {
            seed.Add(delivery);
            await seed.SaveChangesAsync();
        }

        await using var stale = await Db.CreateDbContextAsync();
        var held = await stale.Set<DeskDelivery>().SingleAsync(d => d.Id == delivery.Id);

        await desk.RetryDeliveryAsync(delivery.Id, LigboxAppFactory.AdminEmail);

        held.Abandon("written from a stale copy", DateTime.UtcNow);
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => stale.SaveChangesAsync());
    }

    [Fact]
    public async Task A_stale_write_of_a_webhook_delivery_after_Redeliver_is_refused()
    {
        var webhooks = app.Services.GetRequiredService<WebhookService>();
        var endpoint = await webhooks.AddEndpointAsync("http://127.0.0.1:9/hook", "one-writer-secret-0123456789", [WebhookEvents.GateReady], LigboxAppFactory.AdminEmail);
        var delivery = new WebhookDelivery(endpoint.Id, Guid.NewGuid(), WebhookEvents.GateReady, null, "{}", DateTime.UtcNow);
        delivery.AttemptFailed(500, "The receiver answered 500.", DateTime.UtcNow, new WebhookOptions { MaxAttempts = 1 });
        await using (var seed = await Db.CreateDbContextAsync())
        {
            seed.Add(delivery);
            await seed.SaveChangesAsync();
        }

        await using var stale = await Db.CreateDbContextAsync();
        var held = await stale.WebhookDeliveries.SingleAsync(d => d.Id == delivery.Id);

        await webhooks.RedeliverAsync(delivery.Id, LigboxAppFactory.AdminEmail);

        held.Abandon("written from a stale copy", DateTime.UtcNow);
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => stale.SaveChangesAsync());
    }
}
