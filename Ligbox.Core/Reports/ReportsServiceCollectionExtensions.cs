using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Core.Reports;

public static class ReportsServiceCollectionExtensions
{
    public static IServiceCollection AddReports(this IServiceCollection services)
    {
        services.AddSingleton<JobReportService>();
        return services;
    }
}
