using Ligbox.Console.Auth;
using Ligbox.Core.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ligbox.Console.Endpoints;

public static class PresetEndpoints
{
    public static IEndpointRouteBuilder MapPresetEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/migration/presets", ListPresets).RequireAuthorization(Policies.JobsRead).WithTags("Jobs").WithName("ListPresets")
            .WithSummary("The provider presets (Microsoft 365, Gmail, Dovecot/mailcow, Zimbra, cPanel, custom): host, port, TLS, authentication, folders to skip and throttling, as the create form fills them in.");
        return app;
    }

    private static Ok<IReadOnlyList<ProviderPreset>> ListPresets() => TypedResults.Ok(ProviderPresets.All);
}
