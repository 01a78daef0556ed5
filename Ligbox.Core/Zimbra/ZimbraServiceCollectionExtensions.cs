using Ligbox.Core.Pst;
using Ligbox.Core.Runs;
using Ligbox.Tools.Zimbra;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Zimbra;

public static class ZimbraServiceCollectionExtensions
{
    /// <summary>
    /// The Zimbra TGZ import: importer (tuned by <c>Ligbox:Pst</c>, the same append settings as the PST import),
    /// its run handler on the one run pipeline, the source opener (upload or zmmailbox over SSH) and the services.
    /// </summary>
    public static IServiceCollection AddZimbraImport(this IServiceCollection services)
    {
        services.TryAddSingleton<MailboxImportTurns>();
        services.AddSingleton(sp => new ZimbraImporter(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<PstImportOptions>>().Value));
        services.TryAddSingleton<ZimbraSshExporter>();
        services.TryAddSingleton<ZimbraSshStore>();
        services.TryAddSingleton<ZimbraSources>();
        services.AddScoped<ZimbraSshService>();
        services.AddSingleton<ZimbraImportHandler>();
        services.AddSingleton<IRunHandler>(sp => sp.GetRequiredService<ZimbraImportHandler>());
        services.AddScoped<ZimbraImportService>();
        return services;
    }
}
