using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ligbox.Core.Uploads;

public static class UploadsServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="TusUploadStore"/> on <paramref name="uploadsDirectory"/> (the data dir's
    /// <c>uploads/</c>), options from <c>Ligbox:Uploads</c> (MaxSize, Expiration, MinFreeDiskBytes,
    /// CleanupInterval) and the hosted expiration cleanup. Add <see cref="IUploadCompletedHandler"/>
    /// singletons to be told about completed uploads.
    /// </summary>
    public static IServiceCollection AddTusUploads(this IServiceCollection services, string uploadsDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uploadsDirectory);
        services.AddOptions<UploadOptions>()
            .BindConfiguration(UploadOptions.SectionName)
            .Configure(o => o.Directory = uploadsDirectory)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IFreeSpaceProvider, DriveFreeSpaceProvider>();
        services.TryAddSingleton<TusUploadStore>();
        services.AddHostedService<UploadCleanupService>();
        return services;
    }
}
