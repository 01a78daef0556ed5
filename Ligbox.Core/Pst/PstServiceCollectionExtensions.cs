using Ligbox.Core.Runs;
using Ligbox.Tools.Readpst;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Pst;

public static class PstServiceCollectionExtensions
{
    /// <summary>
    /// The PST/mbox import: importer, its run handler (imports run on the one run pipeline, like syncs) and the
    /// service (readpst comes from the tools registration).
    /// </summary>
    public static IServiceCollection AddPstImport(this IServiceCollection services)
    {
        // A factory: IReadpstRunner is registered by AddLigboxTools, which Core-only hosts do not call.
        services.AddOptions<PstImportOptions>().BindConfiguration(PstImportOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new PstImporter(sp.GetRequiredService<IReadpstRunner>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<PstImportOptions>>().Value));
        services.TryAddSingleton<MailboxImportTurns>();
        services.AddSingleton<ImportHandler>();
        services.AddSingleton<IRunHandler>(sp => sp.GetRequiredService<ImportHandler>());
        services.AddScoped<PstImportService>();
        return services;
    }
}
