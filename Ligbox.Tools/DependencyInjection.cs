using Ligbox.Tools.Engines;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Processes;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Tools;

/// <summary>Registers the engines and external-tool wrappers.</summary>
public static class DependencyInjection
{
    /// <summary>Adds every tool service of this assembly.</summary>
    public static IServiceCollection AddLigboxTools(this IServiceCollection services)
    {
        services.AddExternalTools();
        services.AddNativeImapEngine();
        // Every IMigrationEngine registered (here or by the host) is picked by its kind.
        services.AddSingleton<EngineRegistry>();
        return services;
    }
}
