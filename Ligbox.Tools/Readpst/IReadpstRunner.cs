namespace Ligbox.Tools.Readpst;

/// <summary>Extracts a PST with readpst. Core depends on this interface so its tests can fake it.</summary>
public interface IReadpstRunner
{
    /// <summary>
    /// Extracts every item of <paramref name="pstPath"/> as one file per item (<c>N.eml</c>, <c>N.ics</c>,
    /// <c>N.vcf</c>; numbering can start at 2) in a folder tree under <paramref name="outputDirectory"/>,
    /// including deleted items (<c>readpst -e -D -j 0</c>).
    /// </summary>
    /// <param name="pstPath">The PST file.</param>
    /// <param name="outputDirectory">An empty or new directory (created when missing).</param>
    /// <param name="onProgress">Receives per-folder progress as readpst prints it.</param>
    /// <param name="cancellationToken">Cancelling kills readpst.</param>
    /// <returns>Exit code, classified error, progress and the extracted items. A failed extraction is returned, not thrown.</returns>
    /// <exception cref="Processes.ToolNotFoundException">readpst is not installed.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="outputDirectory"/> is not empty (readpst would add duplicates beside earlier files).</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    Task<ReadpstResult> ExtractAsync(string pstPath, string outputDirectory, Action<ReadpstProgress>? onProgress = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="ExtractAsync(string, string, Action{ReadpstProgress}?, CancellationToken)"/>, with every line readpst
    /// prints (redacted) handed to <paramref name="onLine"/> as it comes, for a run's live log.
    /// </summary>
    /// <param name="pstPath">The PST file.</param>
    /// <param name="outputDirectory">An empty or new directory (created when missing).</param>
    /// <param name="onProgress">Receives per-folder progress as readpst prints it.</param>
    /// <param name="onLine">Receives each output line; runners that cannot stream lines ignore it.</param>
    /// <param name="cancellationToken">Cancelling kills readpst (its whole process tree).</param>
    /// <returns>As the other overload.</returns>
    Task<ReadpstResult> ExtractAsync(string pstPath, string outputDirectory, Action<ReadpstProgress>? onProgress, Action<string>? onLine, CancellationToken cancellationToken) =>
        ExtractAsync(pstPath, outputDirectory, onProgress, cancellationToken);

    /// <summary>
    /// <see cref="ExtractAsync(string, string, Action{ReadpstProgress}?, Action{string}?, CancellationToken)"/> for a caller
    /// that lists each folder itself (<see cref="ReadpstRunner.ListFolder"/>) as readpst finishes it: the result's
    /// <see cref="ReadpstResult.Items"/> may be empty. A 2 GB PST's listing is ~18,000 paths, held at once at the end.
    /// </summary>
    /// <param name="pstPath">The PST file.</param>
    /// <param name="outputDirectory">An empty or new directory (created when missing).</param>
    /// <param name="onProgress">Receives per-folder progress as readpst prints it.</param>
    /// <param name="onLine">Receives each output line; runners that cannot stream lines ignore it.</param>
    /// <param name="cancellationToken">Cancelling kills readpst (its whole process tree).</param>
    /// <returns>As the other overloads, without the items (a runner that cannot leave them out lists them).</returns>
    Task<ReadpstResult> ExtractFoldersAsync(string pstPath, string outputDirectory, Action<ReadpstProgress>? onProgress, Action<string>? onLine, CancellationToken cancellationToken) =>
        ExtractAsync(pstPath, outputDirectory, onProgress, onLine, cancellationToken);
}
