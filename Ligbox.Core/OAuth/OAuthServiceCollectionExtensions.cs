using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Core.OAuth;

public static class OAuthServiceCollectionExtensions
{
    /// <summary>OAuth 2.0 from the console (issue 15): the client (one pooled HttpClient), consents under way, settings and tokens.</summary>
    public static IServiceCollection AddOAuth(this IServiceCollection services)
    {
        services.AddSingleton(sp => new OAuthClient(
            new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = TimeSpan.FromSeconds(30) },
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<OAuthPendingRequests>();
        services.AddSingleton<OAuthTokenSource>();
        services.AddScoped<OAuthService>();
        return services;
    }
}
