using Ligbox.Console.Auth;
using Ligbox.Core.Dashboard;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ligbox.Console.Endpoints;

/// <summary>The overview dashboard's figures, as the home page shows them (same Core service).</summary>
public static class DashboardEndpoints
{
    public static IEndpointRouteBuilder MapDashboardEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/dashboard", GetDashboard).RequireAuthorization(Policies.JobsRead).WithTags("Dashboard").WithName("GetDashboard")
            .WithSummary("Every migration at a glance: jobs by phase, gates waiting for approval, runs running now with their rates, failures of the last 24 h, "
                + "messages and bytes copied per UTC day over 30 days, throughput and the biggest open jobs. Reading never writes.");
        return app;
    }

    private static async Task<Ok<DashboardView>> GetDashboard(DashboardService dashboard, CancellationToken ct) =>
        TypedResults.Ok(await dashboard.GetAsync(ct));
}
