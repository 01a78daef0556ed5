using Ligbox.Core.Deliveries;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Core.Desk;

public static class DeskServiceCollectionExtensions
{
    /// <summary>The helpdesk connection and its channel on the one delivery sender (after the database initializer: the sender reads the database at start).</summary>
    public static IServiceCollection AddDesk(this IServiceCollection services)
    {
        services.AddOptions<DeskOptions>().BindConfiguration(DeskOptions.Section);
        services.AddSingleton<DeskService>();
        services.AddDeliveries();
        services.AddSingleton<IDeliveryChannel, DeskChannel>();
        return services;
    }
}
