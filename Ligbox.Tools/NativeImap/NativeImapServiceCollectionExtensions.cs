using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Tools.NativeImap;

/// <summary>DI registration of the native IMAP engine.</summary>
public static class NativeImapServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IImapSyncEngine"/> (a singleton <see cref="NativeImapSyncEngine"/>) and binds
    /// <see cref="NativeImapOptions"/> from the <c>Tools:NativeImap</c> configuration section.
    /// </summary>
    public static IServiceCollection AddNativeImapEngine(this IServiceCollection services)
    {
        services.AddOptions<NativeImapOptions>()
            .BindConfiguration("Tools:NativeImap")
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<NativeImapSyncEngine>();
        services.AddSingleton<IImapSyncEngine>(sp => sp.GetRequiredService<NativeImapSyncEngine>());
        return services;
    }
}
