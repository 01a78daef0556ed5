using Ligbox.Console.Auth;
using Ligbox.Core.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ligbox.Console.Endpoints;

/// <summary>The nodes of the deployment (issue 17), as the Nodes admin page shows them (same Core service).</summary>
public static class NodeEndpoints
{
    public static IEndpointRouteBuilder MapNodeEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/nodes", ListNodes).RequireAuthorization(Policies.Admin).WithTags("Nodes").WithName("ListNodes")
            .WithSummary("Admins: every console process (node) of the deployment with its role, host, version, last heartbeat (UTC), whether it is alive "
                + "and the runs it is running. Reading never writes.");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<NodeDto>>> ListNodes(NodeService nodes, CancellationToken ct) =>
        TypedResults.Ok(await nodes.ListAsync(ct));
}
