namespace Ligbox.Core.Uploads;

/// <summary>
/// Called once when an upload has received its last byte (the PST import hooks in here).
/// Registered as singletons; resolve scoped services (DbContext) through <c>IServiceScopeFactory</c>.
/// It runs inside the final PATCH request, so keep it short: record or schedule the work, don't do it.
/// A failing handler is logged and does not fail the upload; the metadata file keeps
/// <see cref="UploadInfo.CompletedAt"/>, so <see cref="TusUploadStore.ListAsync"/> can find completed
/// uploads that a crashed handler missed.
/// </summary>
public interface IUploadCompletedHandler
{
    Task OnUploadCompletedAsync(UploadInfo upload, string dataFilePath, CancellationToken cancellationToken);
}
