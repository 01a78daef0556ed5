using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Uploads;

/// <summary>The data files that imports may still read: the retention of finished uploads never deletes them.</summary>
public interface IUploadsInUse
{
    /// <summary>Full paths of the files named by import runs that have not succeeded (they may run, resume or be started again).</summary>
    Task<IReadOnlySet<string>> PathsAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Reads the PST/mbox and Zimbra import runs that are queued, running, resuming, interrupted or failed, and the file
/// each names in its parameters (<c>quarantine/{job}/{run}/</c>).
/// </summary>
internal sealed class ImportUploadsInUse(IDbContextFactory<LigboxDbContext> dbFactory, DataDirectory data) : IUploadsInUse
{
    public async Task<IReadOnlySet<string>> PathsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var runs = await db.Runs.AsNoTracking()
            .Where(r => (r.Kind == RunKind.Pst || r.Kind == RunKind.Tgz) && r.Status != RunStatus.Succeeded && r.Status != RunStatus.Cancelled)
            .Select(r => new { r.Id, r.JobId, r.Kind })
            .ToListAsync(cancellationToken);
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var run in runs)
        {
            try
            {
                var path = run.Kind == RunKind.Pst
                    ? Pst.PstRunFiles.ReadParameters(data, run.JobId, run.Id).SourcePath
                    : Zimbra.ZimbraRunFiles.ReadParameters(data, run.JobId, run.Id).SourcePath;
                if (path is not null)
                {
                    paths.Add(Path.GetFullPath(path));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidOperationException)
            {
                // A run whose parameters cannot be read (written a moment from now, or lost): it cannot protect a file,
                // so nothing is deleted in this round rather than a file it might need.
                throw new InvalidOperationException($"The parameters of import run {run.Id} cannot be read; finished uploads are kept this round.", ex);
            }
        }

        return paths;
    }
}
