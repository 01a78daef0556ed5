using System.Security.Claims;
using Ligbox.Console.Auth;
using Ligbox.Core.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ligbox.Console.Endpoints;

/// <param name="Url">The receiver's absolute http(s) URL.</param>
/// <param name="Secret">The signing secret (at least 16 characters); left out, one is generated and returned once.</param>
/// <param name="Events">Event types to send (see <see cref="WebhookEvents.All"/>); left out, all of them.</param>
public sealed record CreateWebhookRequest(string? Url, string? Secret, IReadOnlyList<string>? Events);

public static class WebhookEndpoints
{
    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        // Admins only (people; API tokens cannot manage webhooks), like the /admin/webhooks page, through the same service.
        var hooks = app.MapGroup("/api/admin/webhooks").RequireAuthorization(Policies.Admin).WithTags("Webhooks");
        hooks.MapGet("/", List).WithName("ListWebhookEndpoints").WithSummary("The webhook endpoints (never with their secrets).");
        hooks.MapPost("/", Create).WithName("CreateWebhookEndpoint")
            .WithSummary("Register an endpoint: {\"url\",\"secret\"?,\"events\"?}. 201 with the secret: the only time it is returned (generated when left out).");
        hooks.MapDelete("/{endpointId:guid}", Delete).WithName("DeleteWebhookEndpoint").WithSummary("Delete an endpoint and its deliveries.");
        hooks.MapPost("/{endpointId:guid}/test", SendTest).WithName("SendWebhookTestEvent")
            .WithSummary("Send a signed migration.test event to this endpoint; 202 with the event id (see the deliveries).");
        hooks.MapGet("/deliveries", Deliveries).WithName("ListWebhookDeliveries").WithSummary("Recent deliveries with every attempt's outcome, newest first.");
        hooks.MapPost("/deliveries/{deliveryId:guid}/redeliver", Redeliver).WithName("RedeliverWebhook").WithSummary("Send a delivery again.");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<WebhookEndpointDto>>> List(WebhookService webhooks, CancellationToken ct) =>
        TypedResults.Ok(await webhooks.ListEndpointsAsync(ct));

    private static async Task<Created<WebhookEndpointCreated>> Create(CreateWebhookRequest request, WebhookService webhooks, ClaimsPrincipal user, CancellationToken ct)
    {
        var created = await webhooks.CreateEndpointAsync(request.Url ?? "", request.Secret, request.Events ?? WebhookEvents.All, user.Actor(), ct);
        return TypedResults.Created($"/api/admin/webhooks/{created.Id}", created);
    }

    private static async Task<NoContent> Delete(Guid endpointId, WebhookService webhooks, ClaimsPrincipal user, CancellationToken ct)
    {
        await webhooks.DeleteEndpointAsync(endpointId, user.Actor(), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Accepted<TestEventQueued>> SendTest(Guid endpointId, WebhookService webhooks, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Accepted("/api/admin/webhooks/deliveries", new TestEventQueued(await webhooks.SendTestAsync(endpointId, user.Actor(), ct)));

    private static async Task<Ok<IReadOnlyList<WebhookDeliveryDto>>> Deliveries(WebhookService webhooks, int? take, CancellationToken ct) =>
        TypedResults.Ok(await webhooks.ListDeliveriesAsync(Math.Clamp(take ?? 100, 1, 500), ct));

    private static async Task<Accepted> Redeliver(Guid deliveryId, WebhookService webhooks, ClaimsPrincipal user, CancellationToken ct)
    {
        await webhooks.RedeliverAsync(deliveryId, user.Actor(), ct);
        return TypedResults.Accepted("/api/admin/webhooks/deliveries");
    }
}

public sealed record TestEventQueued(Guid EventId);
