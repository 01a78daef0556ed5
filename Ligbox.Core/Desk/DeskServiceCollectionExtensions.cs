using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Core.Desk;

public static class DeskServiceCollectionExtensions
{
    /// <summary>The helpdesk connection and its sender (after the database initializer: the sender reads the database at start).</summary>
    public static IServiceCollection AddDesk(this IServiceCollection services)
    {
        services.AddOptions<DeskOptions>().BindConfiguration(DeskOptions.Section);
        services.AddSingleton<DeskSignal>();
        services.AddSingleton<DeskService>();
        services.AddHostedService<DeskDispatcher>();
        return services;
    }
}
