using System.Threading.Channels;
using Ligbox.Tools.Readpst;

namespace Ligbox.Core.Pst;

/// <summary>
/// readpst running beside the append: each folder's directory is handed over as soon as readpst has finished it, so
/// the appenders work while readpst writes the next folders (on a 2 GB PST the two take about as long as each other).
/// readpst (<c>-j 0</c>) works through the folder tree depth first and prints a "Processing Folder" line when it
/// enters a folder and an "items done" line when it leaves it; the open folders are a stack, and a finished folder's
/// directory is the root's path down that stack. A folder whose directory is not found that way (a name readpst
/// changed on disk, two folders of one name) is not handed over early: the importer finds its directory once readpst
/// has exited. readpst's result carries no listing of every file (the importer lists each folder it takes).
/// </summary>
internal sealed class PstExtraction : IAsyncDisposable
{
    private readonly Channel<string> _completed = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop;
    private readonly List<string> _open = [];
    private readonly HashSet<string> _handed = new(StringComparer.Ordinal);
    private string? _root;

    private PstExtraction(IReadpstRunner readpst, PstImportRequest request, PstImportStatistics stats, Action<PstImportStatistics>? onProgress, CancellationToken cancellationToken)
    {
        OutputDirectory = Path.GetFullPath(request.WorkDirectory);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Result = RunAsync(readpst, request, stats, onProgress);
    }

    /// <summary>readpst's output directory (the request's work directory).</summary>
    public string OutputDirectory { get; }

    /// <summary>The directories of the folders readpst has finished, in the order it finished them; completed when readpst exits.</summary>
    public ChannelReader<string> CompletedFolders => _completed.Reader;

    private Task<ReadpstResult> Result { get; }

    /// <summary>Starts readpst on the request's PST into its (emptied) work directory.</summary>
    public static PstExtraction Start(IReadpstRunner readpst, PstImportRequest request, PstImportStatistics stats, Action<PstImportStatistics>? onProgress, CancellationToken cancellationToken)
    {
        // A resumed run extracts again from scratch; the identity check skips what the first attempt appended.
        if (Directory.Exists(request.WorkDirectory))
        {
            Directory.Delete(request.WorkDirectory, recursive: true);
        }

        return new PstExtraction(readpst, request, stats, onProgress, cancellationToken);
    }

    /// <summary>readpst's result once it has exited.</summary>
    /// <exception cref="PstImportException">readpst failed (its classified message).</exception>
    public async Task<ReadpstResult> CompleteAsync()
    {
        var result = await Result;
        if (!result.Succeeded)
        {
            throw new PstImportException(result.ErrorMessage ?? $"readpst failed with exit code {result.ExitCode}.");
        }

        return result;
    }

    /// <summary>Stops readpst if it still runs (the import failed or was cancelled) and waits for it to exit.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!Result.IsCompleted)
        {
            await _stop.CancelAsync();
            try
            {
                await Result;
            }
            catch (Exception)
            {
                // The import's own error is the one reported; readpst was only stopped because of it.
            }
        }

        _stop.Dispose();
    }

    private async Task<ReadpstResult> RunAsync(IReadpstRunner readpst, PstImportRequest request, PstImportStatistics stats, Action<PstImportStatistics>? onProgress)
    {
        try
        {
            await Task.Yield();
            return await readpst.ExtractFoldersAsync(request.SourcePath, OutputDirectory, progress =>
            {
                if (progress.Kind == ReadpstProgressKind.FolderStarted)
                {
                    _open.Add(progress.Folder);
                    return;
                }

                if (progress.Kind != ReadpstProgressKind.FolderCompleted)
                {
                    return;
                }

                lock (stats)
                {
                    stats.Readpst.Add(new ReadpstFolderReport(progress.Folder, progress.ItemsDone, progress.ItemsSkipped));
                    onProgress?.Invoke(stats);
                }

                if (Finished(progress.Folder) is { } directory && _handed.Add(directory))
                {
                    _completed.Writer.TryWrite(directory);
                }
            }, request.OnReadpstLine, _stop.Token);
        }
        finally
        {
            _completed.Writer.TryComplete();
        }
    }

    /// <summary>The directory of the folder readpst has just left, or <c>null</c> when it cannot be told for sure.</summary>
    private string? Finished(string name)
    {
        string[] path;
        if (_open.Count == 0)
        {
            path = [];   // the PST's root: readpst leaves it last
        }
        else if (_open[^1] == name)
        {
            path = [.. _open];
            _open.RemoveAt(_open.Count - 1);
        }
        else
        {
            _open.Clear();   // out of step: nothing more is handed over early
            _root = "";
            return null;
        }

        if (_root is null)
        {
            var top = Directory.Exists(OutputDirectory) ? Directory.GetDirectories(OutputDirectory) : [];
            _root = top.Length == 1 ? top[0] : "";
        }

        if (_root.Length == 0 || path.Any(segment => segment.Length == 0 || segment is "." or ".." || segment.IndexOfAny(['/', '\\']) >= 0))
        {
            return null;
        }

        var directory = Path.Combine([_root, .. path]);
        return Directory.Exists(directory) ? directory : null;
    }
}
