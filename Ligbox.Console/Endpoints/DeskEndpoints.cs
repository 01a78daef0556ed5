using System.Security.Claims;
using Ligbox.Console.Auth;
using Ligbox.Core.Desk;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ligbox.Console.Endpoints;

public static class DeskEndpoints
{
    public static IEndpointRouteBuilder MapDeskEndpoints(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin/desk").RequireAuthorization(Policies.Admin).WithTags("Desk");
        admin.MapGet("/", GetConnection).WithName("GetDeskConnection").WithSummary("The helpdesk connection (admins; never with its token: hasToken says whether one is stored).");
        admin.MapPut("/", SaveConnection).WithName("SaveDeskConnection")
            .WithSummary("Set the helpdesk connection: enabled, baseUrl, token (write-only; null keeps it, \"\" removes it), method, pathTemplate with {ticketId}, fileField, authHeader, authScheme, attachOnApproval.");
        admin.MapPost("/test", TestConnection).WithName("TestDeskConnection")
            .WithSummary("Call the saved helpdesk's base URL (GET) with the stored token; 200 with succeeded, statusCode (null when unreachable) and a sentence. Nothing is saved or attached.");
        admin.MapGet("/deliveries", AllDeliveries).WithName("ListDeskDeliveries")
            .WithSummary("Every job's report attachments, newest first (?take=, default 100, at most 500), with job domain, ticket, status, attempts and last error.");
        admin.MapPost("/deliveries/{deliveryId:guid}/retry", Retry).WithName("RetryDeskDelivery")
            .WithSummary("Retry now: a failed attachment, or one waiting for its next attempt, is sent at once; 202 with the delivery, 409 when it is already attached or the connection is off, 404 when unknown.");

        var jobs = app.MapGroup("/api/migration/jobs/{id:guid}/report").RequireAuthorization().WithTags("Desk");
        jobs.MapPost("/attach", Attach).RequireAuthorization(Policies.JobsWrite).WithName("AttachReportToTicket")
            .WithSummary("Attach the job's report (PDF) to its helpdesk ticket now; 202 with the delivery, 409 without a ticket or a helpdesk connection.");
        jobs.MapGet("/deliveries", Deliveries).RequireAuthorization(Policies.JobsRead).WithName("ListReportDeliveries")
            .WithSummary("The job's report attachments to its ticket, newest first, with every attempt's outcome.");
        return app;
    }

    private static async Task<Ok<DeskConnectionDto>> GetConnection(DeskService desk, CancellationToken ct) => TypedResults.Ok(await desk.GetConnectionAsync(ct));

    private static async Task<Ok<DeskConnectionDto>> SaveConnection(DeskSettings settings, DeskService desk, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await desk.SaveConnectionAsync(settings, user.Actor(), ct));

    private static async Task<Ok<DeskTestResult>> TestConnection(DeskService desk, CancellationToken ct) =>
        TypedResults.Ok(await desk.TestConnectionAsync(ct));

    private static async Task<Ok<IReadOnlyList<DeskDeliveryDto>>> AllDeliveries(DeskService desk, int? take, CancellationToken ct) =>
        TypedResults.Ok(await desk.ListDeliveriesAsync(null, Math.Clamp(take ?? 100, 1, 500), ct));

    private static async Task<Accepted<DeskDeliveryDto>> Retry(Guid deliveryId, DeskService desk, ClaimsPrincipal user, CancellationToken ct)
    {
        var delivery = await desk.RetryDeliveryAsync(deliveryId, user.Actor(), ct);
        return TypedResults.Accepted("/api/admin/desk/deliveries", delivery);
    }

    private static async Task<Accepted<DeskDeliveryDto>> Attach(Guid id, DeskService desk, ClaimsPrincipal user, CancellationToken ct)
    {
        var delivery = await desk.RequestAttachAsync(id, user.Actor(), ct);
        return TypedResults.Accepted($"/api/migration/jobs/{id}/report/deliveries", delivery);
    }

    private static async Task<Ok<IReadOnlyList<DeskDeliveryDto>>> Deliveries(Guid id, DeskService desk, CancellationToken ct) =>
        TypedResults.Ok(await desk.ListDeliveriesAsync(id, 50, ct));
}
