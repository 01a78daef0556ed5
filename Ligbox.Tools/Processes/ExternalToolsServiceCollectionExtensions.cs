using Ligbox.Tools.Doveadm;
using Ligbox.Tools.Engines;
using Ligbox.Tools.Imapsync;
using Ligbox.Tools.Inventory;
using Ligbox.Tools.Readpst;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Tools.Processes;

/// <summary>Registers the external-tool wrappers.</summary>
public static class ExternalToolsServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IProcessRunner"/>, <see cref="IImapsyncRunner"/>, <see cref="IReadpstRunner"/>, <see cref="IDoveadmRunner"/> and
    /// <see cref="IToolInventory"/> (singletons, stateless), the imapsync and doveadm engines as <see cref="IMigrationEngine"/>s
    /// (<see cref="ImapsyncMigrationEngine"/>, <see cref="DoveadmSyncEngine"/>), and binds <see cref="ImapsyncSettings"/>
    /// (<c>Tools:Imapsync</c>), <see cref="ReadpstSettings"/> (<c>Tools:Readpst</c>) and
    /// <see cref="DoveadmSettings"/> (<c>Tools:Doveadm</c>), validated at start.
    /// </summary>
    public static IServiceCollection AddExternalTools(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ImapsyncSettings>().BindConfiguration(ImapsyncSettings.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ReadpstSettings>().BindConfiguration(ReadpstSettings.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DoveadmSettings>().BindConfiguration(DoveadmSettings.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IProcessRunner, CliWrapProcessRunner>();
        services.AddSingleton<IImapsyncRunner, ImapsyncRunner>();
        services.AddSingleton<IReadpstRunner, ReadpstRunner>();
        services.AddSingleton<IDoveadmRunner, DoveadmRunner>();
        services.AddSingleton<IMigrationEngine, ImapsyncMigrationEngine>();
        services.AddSingleton<IMigrationEngine, DoveadmSyncEngine>();
        services.AddSingleton<IToolInventory, ToolInventory>();
        return services;
    }
}
