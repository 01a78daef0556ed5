using Ligbox.Tools.ImapAppend;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Readpst;
using MimeKit;

namespace Ligbox.Core.Pst;

/// <summary>
/// Imports a PST (through <c>readpst -e</c>) or an mbox into one IMAP account: sources streamed message
/// by message, folders mapped with the engine's <see cref="FolderMapper"/>, read state and date kept,
/// messages already in the destination skipped, the rest appended by MULTIAPPEND batches over several
/// connections (<see cref="AppendPipeline{TFolder}"/> in Ligbox.Tools), rejected ones quarantined one by one. No database:
/// the run bookkeeping is the caller's.
/// </summary>
public sealed class PstImporter
{
    private readonly IReadpstRunner _readpst;
    private readonly TimeProvider _clock;
    private readonly PstImportOptions _options;
    private readonly ImapConnector _connector;

    public PstImporter(IReadpstRunner readpst, TimeProvider clock, PstImportOptions? options = null)
    {
        _readpst = readpst;
        _clock = clock;
        _options = options ?? new PstImportOptions();
        _connector = _options.CreateConnector(Commands);
    }

    /// <summary>IMAP commands sent by this importer so far, by verb (tests check the MULTIAPPEND batching with it).</summary>
    public ImapCommandCounter Commands { get; } = new();

    /// <summary>Executes an import; progress is reported on the same statistics object as messages are parsed and appended.</summary>
    /// <exception cref="PstImportException">The file is not importable or the destination refuses the login.</exception>
    public async Task<PstImportStatistics> ImportAsync(PstImportRequest request, Action<PstImportStatistics>? onProgress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var stats = new PstImportStatistics
        {
            SourceName = request.SourceName,
            RootFolder = request.RootFolder,
            SourceKind = DetectKind(request.SourcePath, request.SourceName),
            SourceBytes = new FileInfo(request.SourcePath).Length,
        };
        var quarantine = new QuarantineWriter(request.QuarantineDirectory, _clock);
        try
        {
            var targets = new List<(PstFolderStatistics Stats, AppendTargetFolder Target)>();
            if (stats.SourceKind == PstSourceKind.Pst)
            {
                stats.Phase = "extracting";
                onProgress?.Invoke(stats);
                await using var extraction = PstExtraction.Start(_readpst, request, stats, onProgress, cancellationToken);
                // Nothing is contacted before readpst has finished a first folder: a file it cannot read fails with
                // nothing created in the destination. Then the folders are appended while readpst writes the next ones.
                if (!await extraction.CompletedFolders.WaitToReadAsync(cancellationToken))
                {
                    await extraction.CompleteAsync();
                }

                using var session = await AppendDestination.ConnectAsync(_connector, request.Destination, request.RootFolder, cancellationToken);
                var others = new List<ReadpstItem>();
                await AppendPipeline<PstFolderStatistics>.RunAsync(session, _options, quarantine.AddMessageAsync, stats, Changed(stats, onProgress),
                    (pipeline, ct) => ProduceExtractedAsync(session, pipeline, extraction, stats, targets, others, quarantine, ct), cancellationToken);
                lock (stats)
                {
                    // Handed over in the order readpst finished them (subfolders first); reported by name.
                    stats.Folders.Sort((a, b) => string.CompareOrdinal(a.Source, b.Source));
                }

                await KeepOtherItemsAsync(request, others, stats, cancellationToken);
                await CountAsync(session, targets, cancellationToken);
            }
            else
            {
                using var session = await AppendDestination.ConnectAsync(_connector, request.Destination, request.RootFolder, cancellationToken);
                stats.Phase = "importing";
                var name = Path.GetFileNameWithoutExtension(request.SourceName);
                var folderStats = new PstFolderStatistics { Source = name };
                lock (stats)
                {
                    // Reports read the live figures under this lock (PstImportService.Snapshot).
                    stats.Folders.Add(folderStats);
                }

                var target = await session.OpenAsync(name, cancellationToken);
                folderStats.Destination = target.FullName;
                targets.Add((folderStats, target));
                await AppendPipeline<PstFolderStatistics>.RunAsync(session, _options, quarantine.AddMessageAsync, stats, Changed(stats, onProgress),
                    (pipeline, ct) => ProduceMboxAsync(pipeline, request.SourcePath, target, folderStats, ct), cancellationToken);
                await CountAsync(session, targets, cancellationToken);
            }

            stats.Phase = "done";
            onProgress?.Invoke(stats);
            return stats;
        }
        catch (ImapAppendException ex)
        {
            throw new PstImportException(ex.Message, ex);
        }
        finally
        {
            if (Directory.Exists(request.WorkDirectory))
            {
                Directory.Delete(request.WorkDirectory, recursive: true);
            }
        }
    }

    /// <summary>Appends quarantined messages again (e.g. after the quota was raised); the ones that go through leave the quarantine.</summary>
    /// <exception cref="PstImportException">The destination refuses the login or a folder.</exception>
    public async Task<PstImportStatistics> RetryQuarantineAsync(ImapEndpoint destination, string quarantineDirectory, string? rootFolder, CancellationToken cancellationToken = default)
    {
        try
        {
            return await RetryAsync(destination, quarantineDirectory, rootFolder, cancellationToken);
        }
        catch (ImapAppendException ex)
        {
            throw new PstImportException(ex.Message, ex);
        }
    }

    private async Task<PstImportStatistics> RetryAsync(ImapEndpoint destination, string quarantineDirectory, string? rootFolder, CancellationToken cancellationToken)
    {
        var stats = new PstImportStatistics { SourceName = "quarantine", RootFolder = rootFolder, Phase = "importing" };
        var entries = QuarantineWriter.Read(quarantineDirectory);
        var retryDirectory = quarantineDirectory + ".retry";
        var stillFailing = new QuarantineWriter(retryDirectory, _clock);
        var targets = new List<(PstFolderStatistics Stats, AppendTargetFolder Target)>();
        using var session = await AppendDestination.ConnectAsync(_connector, destination, rootFolder, cancellationToken);
        await AppendPipeline<PstFolderStatistics>.RunAsync(session, _options, stillFailing.AddMessageAsync, stats, null, async (pipeline, ct) =>
        {
            foreach (var group in entries.GroupBy(e => e.DestinationFolder, StringComparer.Ordinal))
            {
                var folderStats = new PstFolderStatistics { Source = group.First().SourceFolder };
                var target = await session.OpenExistingOrCreateAsync(group.Key, ct);
                folderStats.Destination = target.FullName;
                pipeline.Update(() => stats.Folders.Add(folderStats));
                targets.Add((folderStats, target));
                foreach (var entry in group)
                {
                    pipeline.Update(() => folderStats.Extracted++);
                    await OfferFileAsync(pipeline, target, folderStats, QuarantineWriter.EmlPath(quarantineDirectory, entry.Number), entry.Subject, stillFailing, ct);
                }
            }
        }, cancellationToken);
        await CountAsync(session, targets, cancellationToken);

        Directory.Delete(quarantineDirectory, recursive: true);
        if (Directory.Exists(retryDirectory))
        {
            Directory.Move(retryDirectory, quarantineDirectory);
        }

        stats.Phase = "done";
        return stats;
    }

    // The pipeline reports "the figures changed" under the statistics' lock; the caller's callback wants them.
    private static Action? Changed(PstImportStatistics stats, Action<PstImportStatistics>? onProgress) =>
        onProgress is null ? null : () => onProgress(stats);

    /// <summary>mbox by extension or by its "From " first line; everything else must be a PST.</summary>
    internal static PstSourceKind DetectKind(string path, string name)
    {
        if (!File.Exists(path))
        {
            throw new PstImportException($"The file '{name}' is not there any more (upload expired or deleted); upload it again.");
        }

        if (name.EndsWith(".mbox", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".mbx", StringComparison.OrdinalIgnoreCase) || StartsWithFromLine(path))
        {
            return PstSourceKind.Mbox;
        }

        return PstSignature.Check(path) switch
        {
            PstSignatureStatus.Valid => PstSourceKind.Pst,
            PstSignatureStatus.TooShort => throw new PstImportException($"'{name}' is too short to be an Outlook PST/OST file (truncated upload?)."),
            _ => throw new PstImportException($"'{name}' is not an Outlook PST/OST file (no '!BDN' signature) nor an mbox file."),
        };
    }

    private static bool StartsWithFromLine(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[5];
        return stream.ReadAtLeast(head, 5, throwOnEndOfStream: false) == 5 && head.SequenceEqual("From "u8);
    }

    /// <summary>
    /// Contacts and calendar entries are not mail: counted by type on the run (never dropped silently) and,
    /// when the request names an archive, kept in it as vCard and iCalendar (the same archive as a Zimbra import's).
    /// </summary>
    private static async Task KeepOtherItemsAsync(PstImportRequest request, IReadOnlyList<ReadpstItem> items, PstImportStatistics stats, CancellationToken cancellationToken)
    {
        // By folder (stable: within a folder, ListFolder's order by number), whatever order readpst finished them in.
        var others = items.Where(i => i.Kind != ReadpstItemKind.Email).OrderBy(i => i.Folder, StringComparer.Ordinal).ToList();
        lock (stats)
        {
            foreach (var item in others)
            {
                var type = item.Kind switch
                {
                    ReadpstItemKind.Contact => "contact",
                    ReadpstItemKind.Calendar => "appointment",
                    _ => "other",
                };
                stats.OtherItems[type] = stats.OtherItems.GetValueOrDefault(type) + 1;
            }
        }

        if (request.OtherItemsPath is null || others.Count == 0)
        {
            return;
        }

        await using var archive = new Zimbra.OtherItemsArchive(request.OtherItemsPath);
        foreach (var item in others)
        {
            await archive.AddFileAsync(item.FullPath, cancellationToken);
        }

        if (await archive.CompleteAsync(cancellationToken))
        {
            stats.OtherItemsArchive = Path.GetFileName(request.OtherItemsPath);
        }
    }

    // readpst's first level is the PST's root folder ("Outlook", "Personal folders"); it is not a mail folder.
    internal static string StripPstRoot(string folder)
    {
        var slash = folder.IndexOf('/');
        return slash < 0 ? "" : folder[(slash + 1)..];
    }

    /// <summary>
    /// Offers each folder readpst has finished, then, once it has exited, the folders it could not hand over while it ran
    /// (their directories not yet taken). Only folders are remembered, not files: a 2 GB PST writes ~18,000. The items
    /// that are not e-mail go to <paramref name="others"/>.
    /// </summary>
    private async Task ProduceExtractedAsync(AppendDestination session, AppendPipeline<PstFolderStatistics> pipeline, PstExtraction extraction,
        PstImportStatistics stats, List<(PstFolderStatistics, AppendTargetFolder)> targets, List<ReadpstItem> others, QuarantineWriter quarantine,
        CancellationToken cancellationToken)
    {
        var output = extraction.OutputDirectory;
        var taken = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var directory in extraction.CompletedFolders.ReadAllAsync(cancellationToken))
        {
            await OfferFolderAsync(directory);
        }

        await extraction.CompleteAsync();
        pipeline.Update(() => stats.Phase = "importing");
        foreach (var directory in Directory.EnumerateDirectories(output, "*", SearchOption.AllDirectories).Prepend(output)
                     .OrderBy(d => Path.GetRelativePath(output, d), StringComparer.Ordinal).ToList())
        {
            await OfferFolderAsync(directory);
        }

        async Task OfferFolderAsync(string directory)
        {
            if (!taken.Add(Path.GetFullPath(directory)))
            {
                return;
            }

            var list = ReadpstRunner.ListFolder(output, directory);
            if (list.Count > 0)
            {
                await OfferAsync(list[0].Folder, list);
            }
        }

        // One directory is one folder (readpst gives a second folder of the same name a directory of its own).
        async Task OfferAsync(string folderKey, IReadOnlyList<ReadpstItem> list)
        {
            others.AddRange(list.Where(i => i.Kind != ReadpstItemKind.Email));
            var folderStats = new PstFolderStatistics { Source = folderKey };
            pipeline.Update(() =>
            {
                stats.Folders.Add(folderStats);
                folderStats.Extracted = list.Count;
                folderStats.NotMail = list.Count(i => i.Kind != ReadpstItemKind.Email);
            });
            var emails = list.Where(i => i.Kind == ReadpstItemKind.Email).ToList();
            if (emails.Count == 0)
            {
                return;
            }

            var target = await session.OpenAsync(StripPstRoot(folderKey), cancellationToken);
            pipeline.Update(() => folderStats.Destination = target.FullName);
            targets.Add((folderStats, target));
            foreach (var item in emails)
            {
                await OfferFileAsync(pipeline, target, folderStats, item.FullPath, null, quarantine, cancellationToken);
            }
        }
    }

    /// <summary>One <c>.eml</c>: its header read here, the file parsed by the appender that sends it.</summary>
    private async Task OfferFileAsync(AppendPipeline<PstFolderStatistics> pipeline, AppendTargetFolder target, PstFolderStatistics folderStats, string path, string? subject,
        QuarantineWriter quarantine, CancellationToken cancellationToken)
    {
        AppendMessage message;
        try
        {
            message = await AppendMessage.FromFileAsync(path, _options.LargeMessageBytes, cancellationToken);
        }
        catch (FormatException ex)
        {
            await quarantine.AddFileAsync(path, folderStats, subject, $"Cannot be parsed: {ex.Message}", cancellationToken);
            pipeline.Update(() => folderStats.Quarantined++);
            return;
        }

        await pipeline.OfferAsync(target, folderStats, message, cancellationToken);
    }

    /// <summary>The mbox streamed with one parser over the file (persistent: bodies are read back from the file, not buffered).</summary>
    private static async Task ProduceMboxAsync(AppendPipeline<PstFolderStatistics> pipeline, string path, AppendTargetFolder target, PstFolderStatistics folderStats, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
        var parser = new MimeParser(stream, MimeFormat.Mbox, persistent: true);
        while (!parser.IsEndOfStream)
        {
            MimeMessage message;
            try
            {
                message = await parser.ParseMessageAsync(cancellationToken);
            }
            catch (FormatException) when (parser.IsEndOfStream)
            {
                break;
            }
            catch (FormatException ex)
            {
                // The mbox framing itself is broken: nothing after this point can be trusted.
                throw new PstImportException($"The mbox file is malformed after {folderStats.Parsed} messages: {ex.Message}", ex);
            }

            using (message)
            {
                pipeline.Update(() => folderStats.Extracted++);
                await pipeline.OfferAsync(target, folderStats, message, cancellationToken);
            }
        }
    }

    private static async Task CountAsync(AppendDestination session, List<(PstFolderStatistics Stats, AppendTargetFolder Target)> targets, CancellationToken cancellationToken)
    {
        foreach (var (folderStats, target) in targets)
        {
            folderStats.DestinationMessages = await session.CountAsync(target, cancellationToken);
        }
    }
}
