using Ligbox.Console.Auth;
using System.Text.Json.Serialization;

namespace Ligbox.Console.Realtime;

public static class RealtimeExtensions
{
    /// <summary>The hub's JSON speaks enum names like the API; the broadcaster pushes notifier updates to it.</summary>
    public static IServiceCollection AddLigboxRealtime(this IServiceCollection services)
    {
        services.AddSignalR().AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddHostedService<RunsHubBroadcaster>();
        return services;
    }

    public static IEndpointRouteBuilder MapLigboxRealtime(this IEndpointRouteBuilder app)
    {
        app.MapHub<RunsHub>(RunsHub.Path).RequireAuthorization(Policies.JobsRead);
        return app;
    }
}
