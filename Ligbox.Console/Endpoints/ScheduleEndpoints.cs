using System.Security.Claims;
using Ligbox.Console.Auth;
using Ligbox.Core.Scheduling;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ligbox.Console.Endpoints;

public static class ScheduleEndpoints
{
    public static IEndpointRouteBuilder MapScheduleEndpoints(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/api/migration/jobs/{id:guid}/schedule").RequireAuthorization().WithTags("Schedule");
        jobs.MapGet("/", GetSchedule).RequireAuthorization(Policies.JobsRead).WithName("GetDeltaSchedule")
            .WithSummary("The job's scheduled delta sync: enabled, everyHours or cron (UTC), nextFireTimeUtc and the last scheduled pass.");
        jobs.MapPut("/", PutSchedule).RequireAuthorization(Policies.JobsWrite).WithName("PutDeltaSchedule")
            .WithSummary("Set the scheduled delta sync: {\"enabled\":true,\"everyHours\":6} or {\"enabled\":true,\"cron\":\"0 0 */6 * * ?\"}.");
        return app;
    }

    private static async Task<Ok<DeltaScheduleDto>> GetSchedule(Guid id, DeltaScheduleService schedules, CancellationToken ct) =>
        TypedResults.Ok(await schedules.GetAsync(id, ct));

    private static async Task<Ok<DeltaScheduleDto>> PutSchedule(Guid id, UpdateDeltaScheduleRequest request, DeltaScheduleService schedules,
        ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await schedules.UpdateAsync(id, request, user.Actor(), ct));
}
