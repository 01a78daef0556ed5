using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Core.Scheduling;

public static class SchedulingServiceCollectionExtensions
{
    /// <summary>Scheduled delta syncs on the runs' Quartz scheduler. Register after the database initialiser and runs.</summary>
    public static IServiceCollection AddDeltaSchedules(this IServiceCollection services)
    {
        services.AddOptions<DeltaScheduleLimits>().BindConfiguration(DeltaScheduleLimits.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DeltaScheduleTriggers>();
        services.AddScoped<DeltaScheduleService>();
        services.AddHostedService<DeltaScheduleReconciler>();
        return services;
    }
}
