using System.Security.Claims;
using Ligbox.Console.Auth;
using Ligbox.Core.Runs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ligbox.Console.Endpoints;

public static class RunsEndpoints
{
    public static IEndpointRouteBuilder MapRunsEndpoints(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/api/migration/jobs/{id:guid}").RequireAuthorization().WithTags("Runs");
        jobs.MapPost("/preflight", StartPreflight).RequireAuthorization(Policies.JobsWrite).WithName("StartPreflight")
            .WithSummary("Start a pre-flight of every mailbox of the job (login on both sides, folders, quota); 202 with the run.");
        jobs.MapPost("/sync", StartSync).RequireAuthorization(Policies.JobsWrite).WithName("StartSync")
            .WithSummary("Start a sync: {\"kind\":\"initial|delta|final\",\"mailboxes\":[ids],\"failedOnly\":false,\"dryRun\":false}; 202 with the run, 409 with the reason when the start rules refuse it.");
        jobs.MapGet("/runs", ListRuns).RequireAuthorization(Policies.JobsRead).WithName("ListRuns").WithSummary("The job's runs, newest first.");

        var runs = app.MapGroup("/api/migration/runs/{id:guid}").RequireAuthorization().WithTags("Runs");
        runs.MapGet("/", GetRun).RequireAuthorization(Policies.JobsRead).WithName("GetRun").WithSummary("One run with per-mailbox results.");
        runs.MapPost("/cancel", CancelRun).RequireAuthorization(Policies.JobsWrite).WithName("CancelRun").WithSummary("Cancel a queued or running run.");
        runs.MapGet("/log", GetLog).RequireAuthorization(Policies.JobsRead).WithName("GetRunLog")
            .WithSummary("The run's log file (text/plain, Range requests supported).");
        return app;
    }

    private static async Task<Accepted<RunDto>> StartPreflight(Guid id, RunService runs, ClaimsPrincipal user, CancellationToken ct)
    {
        var run = await runs.StartPreflightAsync(id, user.Actor(), ct);
        return TypedResults.Accepted($"/api/migration/runs/{run.Id}", run);
    }

    private static async Task<Accepted<RunDto>> StartSync(Guid id, StartSyncRequest request, RunService runs, ClaimsPrincipal user, CancellationToken ct)
    {
        var target = new Ligbox.Core.Jobs.RunTarget(request.Mailboxes, request.FailedOnly);
        var run = await runs.StartRunAsync(id, RunService.ToRunKind(RunService.ParseKind(request.Kind)), target, request.DryRun, user.Actor(), RunTrigger.Manual, ct);
        return TypedResults.Accepted($"/api/migration/runs/{run.Id}", run);
    }

    private static async Task<Ok<IReadOnlyList<RunDto>>> ListRuns(Guid id, RunService runs, CancellationToken ct) =>
        TypedResults.Ok(await runs.ListAsync(id, ct: ct));

    private static async Task<Ok<RunDto>> GetRun(Guid id, RunService runs, CancellationToken ct) =>
        TypedResults.Ok(await runs.GetAsync(id, ct));

    private static async Task<Ok<RunDto>> CancelRun(Guid id, RunService runs, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await runs.CancelAsync(id, user.Actor(), ct));

    private static async Task<IResult> GetLog(Guid id, RunService runs, CancellationToken ct)
    {
        var path = await runs.GetLogPathAsync(id, ct);
        return path is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No log yet", detail: "The run has not written a log yet.")
            : Results.File(path, "text/plain", $"run-{id:N}.log", enableRangeProcessing: true);
    }
}
