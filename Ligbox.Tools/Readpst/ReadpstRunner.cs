using Ligbox.Tools.Processes;
using Microsoft.Extensions.Options;

namespace Ligbox.Tools.Readpst;

/// <summary>Runs the real readpst through <see cref="IProcessRunner"/>.</summary>
public sealed class ReadpstRunner : IReadpstRunner
{
    /// <summary>What to tell a technician when readpst is missing.</summary>
    public const string InstallHint = "Install it with 'sudo apt-get install pst-utils' or run 'sudo scripts/install-migration-tools.sh'.";

    private readonly IProcessRunner _processRunner;
    private readonly IOptions<ReadpstSettings> _settings;

    /// <summary>Creates the runner.</summary>
    public ReadpstRunner(IProcessRunner processRunner, IOptions<ReadpstSettings> settings)
    {
        _processRunner = processRunner;
        _settings = settings;
    }

    /// <summary>The argument list for one extraction (exposed for tests and diagnostics).</summary>
    public static IReadOnlyList<string> BuildArguments(string pstPath, string outputDirectory) =>
        // -e: one file per item (easy to stream and to quarantine per message); -D: include deleted
        // items; -j 0: no forking, so progress lines stay in order and cancellation kills one process.
        ["-e", "-o", outputDirectory, "-D", "-j", "0", pstPath];

    /// <inheritdoc />
    public Task<ReadpstResult> ExtractAsync(string pstPath, string outputDirectory, Action<ReadpstProgress>? onProgress = null, CancellationToken cancellationToken = default) =>
        ExtractAsync(pstPath, outputDirectory, onProgress, null, cancellationToken);

    /// <inheritdoc />
    public Task<ReadpstResult> ExtractAsync(string pstPath, string outputDirectory, Action<ReadpstProgress>? onProgress, Action<string>? onLine, CancellationToken cancellationToken) =>
        ExtractAsync(pstPath, outputDirectory, onProgress, onLine, listItems: true, cancellationToken);

    /// <inheritdoc />
    public Task<ReadpstResult> ExtractFoldersAsync(string pstPath, string outputDirectory, Action<ReadpstProgress>? onProgress, Action<string>? onLine, CancellationToken cancellationToken) =>
        ExtractAsync(pstPath, outputDirectory, onProgress, onLine, listItems: false, cancellationToken);

    private async Task<ReadpstResult> ExtractAsync(string pstPath, string outputDirectory, Action<ReadpstProgress>? onProgress, Action<string>? onLine, bool listItems,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pstPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        var settings = _settings.Value;
        var executable = ExecutableLocator.Find(settings.ReadpstPath)
            ?? throw new ToolNotFoundException("readpst", settings.ReadpstPath, InstallHint);

        var output = Path.GetFullPath(outputDirectory);
        if (!File.Exists(output))
        {
            // An existing *file* is left for readpst to reject, so it is classified like any bad output dir.
            Directory.CreateDirectory(output);
            if (Directory.EnumerateFileSystemEntries(output).Any())
            {
                throw new InvalidOperationException($"Output directory '{output}' is not empty; readpst would add duplicates beside earlier files.");
            }
        }

        var lines = new List<string>();
        var progress = new List<ReadpstProgress>();
        var spec = new ProcessSpec(executable, BuildArguments(Path.GetFullPath(pstPath), output))
        {
            Timeout = settings.Timeout,
            OnOutputLine = line =>
            {
                // readpst prints no credentials (it ignores PST passwords), but its lines end up in
                // run logs like every tool's, so they go through the same redaction.
                var text = SecretRedactor.Redact(line.Text);
                lines.Add(text);
                onLine?.Invoke(text);
                if (ReadpstProgressParser.Parse(text) is { } @event)
                {
                    progress.Add(@event);
                    onProgress?.Invoke(@event);
                }
            },
        };

        var result = await _processRunner.RunAsync(spec, cancellationToken);
        var (kind, message) = ReadpstErrorClassifier.Classify(result.ExitCode, lines);
        var items = listItems && kind == ReadpstErrorKind.None && Directory.Exists(output) ? ListItems(output) : [];
        return new ReadpstResult(result.ExitCode, kind, message, output, progress, items, result.Duration);
    }

    private static List<ReadpstItem> ListItems(string output) => Order(Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories).Select(path => Item(output, path)));

    /// <summary>
    /// The items of one folder readpst has finished (the files directly in <paramref name="folderDirectory"/>, not its
    /// subfolders'), listed as <see cref="ReadpstResult.Items"/> lists them: an importer can take a folder while readpst
    /// writes the next ones.
    /// </summary>
    /// <param name="outputDirectory">The output directory readpst was given.</param>
    /// <param name="folderDirectory">A folder's directory below it.</param>
    public static IReadOnlyList<ReadpstItem> ListFolder(string outputDirectory, string folderDirectory) =>
        Order(Directory.EnumerateFiles(folderDirectory, "*", SearchOption.TopDirectoryOnly).Select(path => Item(Path.GetFullPath(outputDirectory), path)));

    private static ReadpstItem Item(string output, string path) => new(
        path,
        Path.GetRelativePath(output, Path.GetDirectoryName(path)!).Replace(Path.DirectorySeparatorChar, '/'),
        Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".eml" => ReadpstItemKind.Email,
            ".ics" => ReadpstItemKind.Calendar,
            ".vcf" => ReadpstItemKind.Contact,
            _ => ReadpstItemKind.Other,
        });

    private static List<ReadpstItem> Order(IEnumerable<ReadpstItem> items) => items
        .OrderBy(item => item.Folder, StringComparer.Ordinal)
        .ThenBy(item => int.TryParse(Path.GetFileNameWithoutExtension(item.FullPath), out var n) ? n : int.MaxValue)
        .ThenBy(item => item.FullPath, StringComparer.Ordinal)
        .ToList();
}
