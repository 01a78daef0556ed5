using Ligbox.Tools.Engines;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ligbox.Tools.NativeImap;

/// <summary>DI registration of the native IMAP engine.</summary>
public static class NativeImapServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IImapSyncEngine"/> (a singleton <see cref="NativeImapSyncEngine"/>), the same engine as an
    /// <see cref="IMigrationEngine"/> (<see cref="NativeMigrationEngine"/>) and binds
    /// <see cref="NativeImapOptions"/> from the <c>Tools:NativeImap</c> configuration section.
    /// </summary>
    public static IServiceCollection AddNativeImapEngine(this IServiceCollection services)
    {
        services.AddOptions<NativeImapOptions>()
            .BindConfiguration("Tools:NativeImap")
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // Explicit factory: the engine has a second, options-object constructor for tests and tools.
        services.AddSingleton(sp => new NativeImapSyncEngine(
            sp.GetRequiredService<IOptions<NativeImapOptions>>(), sp.GetService<ILogger<NativeImapSyncEngine>>()));
        services.AddSingleton<IImapSyncEngine>(sp => sp.GetRequiredService<NativeImapSyncEngine>());
        services.AddSingleton<IMigrationEngine, NativeMigrationEngine>();
        return services;
    }
}
