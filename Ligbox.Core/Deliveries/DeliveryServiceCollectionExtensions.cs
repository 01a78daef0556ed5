using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ligbox.Core.Deliveries;

internal static class DeliveryServiceCollectionExtensions
{
    /// <summary>The one delivery sender with its signal (idempotent: every kind of delivery calls it); add an <see cref="IDeliveryChannel"/> per kind.</summary>
    public static IServiceCollection AddDeliveries(this IServiceCollection services)
    {
        services.TryAddSingleton<DeliverySignal>();
        services.AddHostedService<DeliveryDispatcher>(); // TryAddEnumerable inside: registered once
        return services;
    }
}
