using System.Text;
using Ligbox.Core.Pst;
using Ligbox.Tools.ImapAppend;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Zimbra;
using MailKit;

namespace Ligbox.Core.Zimbra;

/// <summary>One Zimbra TGZ import to execute.</summary>
/// <param name="OpenSource">Opens the <c>.tgz</c> bytes (an uploaded file, or the output of <c>zmmailbox</c> over SSH); read once, as a stream.</param>
/// <param name="SourceName">The file name shown in reports.</param>
/// <param name="SourceBytes">The size when known (an upload), else <c>null</c> (a stream from SSH).</param>
/// <param name="Destination">The destination IMAP account.</param>
/// <param name="QuarantineDirectory">Where refused messages go.</param>
/// <param name="OtherItemsPath">Where the archive of contacts, calendar items, tasks and files is written.</param>
/// <param name="RootFolder">Ordinary folders go under this destination folder; <c>null</c> for the top level (merged).</param>
public sealed record ZimbraImportRequest(
    Func<CancellationToken, Task<Stream>> OpenSource,
    string SourceName,
    long? SourceBytes,
    ImapEndpoint Destination,
    string QuarantineDirectory,
    string OtherItemsPath,
    string? RootFolder);

/// <summary>
/// Imports a Zimbra TGZ export into one IMAP account, on the same append code as the PST import
/// (<see cref="AppendDestination"/>, <see cref="AppendPipeline{TFolder}"/> in Ligbox.Tools: identity skip,
/// MULTIAPPEND batches, quarantine): the archive is streamed item by item; each message goes to the folder its <c>.meta</c>
/// <c>Path</c> names (mapped like a PST folder), with its flags, its date as INTERNALDATE and its tags as
/// keywords where the destination folder takes keywords. Contacts, calendar items, tasks and briefcase
/// files are counted by type and written to one archive (vCard, iCalendar, files). No database.
/// </summary>
public sealed class ZimbraImporter
{
    /// <summary>The keyword a forwarded message gets (RFC 5788 registry).</summary>
    public const string ForwardedKeyword = "$Forwarded";

    private readonly TimeProvider _clock;
    private readonly PstImportOptions _options;
    private readonly ImapConnector _connector;

    public ZimbraImporter(TimeProvider clock, PstImportOptions? options = null)
    {
        _clock = clock;
        _options = options ?? new PstImportOptions();
        _connector = _options.CreateConnector(Commands);
    }

    /// <summary>IMAP commands sent by this importer so far, by verb.</summary>
    public ImapCommandCounter Commands { get; } = new();

    /// <summary>Executes an import; progress is reported on the same statistics object as items are read and appended.</summary>
    /// <exception cref="PstImportException">The archive is damaged (what came before it is imported) or the destination refuses the login.</exception>
    public async Task<PstImportStatistics> ImportAsync(ZimbraImportRequest request, Action<PstImportStatistics>? onProgress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var stats = new PstImportStatistics
        {
            Engine = "zimbra",
            SourceKind = PstSourceKind.ZimbraTgz,
            SourceName = request.SourceName,
            SourceBytes = request.SourceBytes ?? 0,
            RootFolder = request.RootFolder,
        };
        var quarantine = new QuarantineWriter(request.QuarantineDirectory, _clock);
        try
        {
            using var session = await AppendDestination.ConnectAsync(_connector, request.Destination, request.RootFolder, cancellationToken);
            stats.Phase = "importing";
            onProgress?.Invoke(stats);
            var targets = new List<(PstFolderStatistics Stats, AppendTargetFolder Target)>();
            await using (var source = await request.OpenSource(cancellationToken))
            await using (var reader = new ZimbraTgzReader(source))
            await using (var others = new OtherItemsArchive(request.OtherItemsPath))
            {
                await AppendPipeline<PstFolderStatistics>.RunAsync(session, _options, quarantine.AddMessageAsync, stats,
                    onProgress is null ? null : () => onProgress(stats),
                    (pipeline, ct) => ProduceAsync(session, pipeline, reader, others, quarantine, stats, targets, ct), cancellationToken);
                if (await others.CompleteAsync(cancellationToken))
                {
                    stats.OtherItemsArchive = Path.GetFileName(request.OtherItemsPath);
                }
            }

            foreach (var (folderStats, target) in targets)
            {
                folderStats.DestinationMessages = await session.CountAsync(target, cancellationToken);
            }
        }
        catch (ImapAppendException ex)
        {
            throw new PstImportException(ex.Message, ex);
        }

        stats.Phase = "done";
        onProgress?.Invoke(stats);
        return stats;
    }

    /// <summary>The IMAP flags of a Zimbra item: unread → no \Seen; f → \Flagged; r → \Answered; d → \Draft; x → \Deleted.</summary>
    public static MessageFlags ImapFlags(ZimbraFlags flags)
    {
        var imap = flags.HasFlag(ZimbraFlags.Unread) ? MessageFlags.None : MessageFlags.Seen;
        if (flags.HasFlag(ZimbraFlags.Flagged))
        {
            imap |= MessageFlags.Flagged;
        }

        if (flags.HasFlag(ZimbraFlags.Replied))
        {
            imap |= MessageFlags.Answered;
        }

        if (flags.HasFlag(ZimbraFlags.Draft))
        {
            imap |= MessageFlags.Draft;
        }

        if (flags.HasFlag(ZimbraFlags.Deleted))
        {
            imap |= MessageFlags.Deleted;
        }

        return imap;
    }

    /// <summary>The keywords of a Zimbra item: <c>$Forwarded</c> for <c>w</c>, then its tags as IMAP atoms (see <see cref="Keyword"/>).</summary>
    public static IReadOnlyList<string> Keywords(ZimbraMeta meta)
    {
        var keywords = new List<string>();
        if (meta.Flags.HasFlag(ZimbraFlags.Forwarded))
        {
            keywords.Add(ForwardedKeyword);
        }

        foreach (var tag in meta.Tags)
        {
            if (Keyword(tag) is { } keyword && !keywords.Contains(keyword, StringComparer.Ordinal))
            {
                keywords.Add(keyword);
            }
        }

        return keywords;
    }

    /// <summary>
    /// A tag as an IMAP keyword: an atom (RFC 3501: no space, parentheses, braces, quote, backslash, %, *, ]
    /// or control character) in ASCII; other characters become <c>_</c> (accents are dropped first: "Ações" → "Acoes").
    /// </summary>
    public static string? Keyword(string tag)
    {
        var plain = tag.Normalize(NormalizationForm.FormD);
        var atom = new StringBuilder(plain.Length);
        foreach (var c in plain)
        {
            if (System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            atom.Append(c is > ' ' and < (char)127 and not ('(' or ')' or '{' or '}' or '"' or '\\' or '%' or '*' or ']') ? c : '_');
        }

        var keyword = atom.ToString().Trim('_');
        return keyword.Length == 0 || keyword.StartsWith('\\') ? null : keyword;
    }

    /// <summary>The folder of an item without a readable meta: its tar directory, without Zimbra's <c>!N</c> split suffix.</summary>
    internal static string FolderOfEntry(string entryName)
    {
        var slash = entryName.LastIndexOf('/');
        if (slash < 0)
        {
            return "";
        }

        var directory = entryName[..slash];
        var bang = directory.LastIndexOf('!');
        return bang > 0 && directory[(bang + 1)..].All(char.IsAsciiDigit) && bang + 1 < directory.Length ? directory[..bang] : directory;
    }

    private async Task ProduceAsync(AppendDestination session, AppendPipeline<PstFolderStatistics> pipeline, ZimbraTgzReader reader, OtherItemsArchive others, QuarantineWriter quarantine,
        PstImportStatistics stats, List<(PstFolderStatistics Stats, AppendTargetFolder Target)> targets, CancellationToken cancellationToken)
    {
        var folders = new Dictionary<string, Folder>(StringComparer.Ordinal);
        while (true)
        {
            ZimbraTgzItem? item;
            try
            {
                item = await reader.ReadNextAsync(cancellationToken);
            }
            catch (ZimbraTgzException ex)
            {
                throw new PstImportException($"{ex.Message} The messages read before that point were imported; export the mailbox again for the rest.", ex);
            }

            if (item is null)
            {
                break;
            }

            pipeline.Update(() => stats.BytesRead = reader.BytesRead);
            var type = item.Type;
            if (ZimbraItemTypes.IsStructure(type))
            {
                continue;
            }

            if (!ZimbraItemTypes.IsMail(type) && !(type == ZimbraItemType.Unknown && item.Meta is null && item.ContentEntryName?.EndsWith(".eml", StringComparison.OrdinalIgnoreCase) == true))
            {
                await others.AddAsync(item, cancellationToken);
                var name = ZimbraItemTypes.Name(type);
                pipeline.Update(() => stats.OtherItems[name] = stats.OtherItems.GetValueOrDefault(name) + 1);
                continue;
            }

            var folder = await FolderAsync(item.Meta?.FolderPath ?? FolderOfEntry(item.ContentEntryName ?? item.MetaEntryName ?? ""));
            pipeline.Update(() => folder.Stats.Extracted++);
            if (item.Problem is not null || item.Content is null || item.Meta is null)
            {
                await QuarantineAsync(quarantine, item, folder.Stats, item.Problem ?? "no .meta for this message", cancellationToken);
                // Counted as parsed too: it is a message of the export, so the gate sees it missing.
                pipeline.Update(() =>
                {
                    folder.Stats.Parsed++;
                    folder.Stats.Quarantined++;
                });
                continue;
            }

            AppendMessage message;
            try
            {
                message = await AppendMessage.FromStreamAsync(item.Content, ImapFlags(item.Meta.Flags), folder.Keywords ? Keywords(item.Meta) : [],
                    item.Meta.Date, _options.LargeMessageBytes, cancellationToken);
            }
            catch (FormatException ex)
            {
                await QuarantineAsync(quarantine, item, folder.Stats, $"Cannot be parsed: {ex.Message}", cancellationToken);
                pipeline.Update(() =>
                {
                    folder.Stats.Parsed++;
                    folder.Stats.Quarantined++;
                });
                continue;
            }

            await pipeline.OfferAsync(folder.Target, folder.Stats, message, cancellationToken);
        }

        async Task<Folder> FolderAsync(string path)
        {
            if (folders.TryGetValue(path, out var known))
            {
                return known;
            }

            var folderStats = new PstFolderStatistics { Source = path.Length == 0 ? "/" : path };
            pipeline.Update(() => stats.Folders.Add(folderStats));
            var target = await session.OpenAsync(path, cancellationToken);
            pipeline.Update(() => folderStats.Destination = target.FullName);
            targets.Add((folderStats, target));
            var folder = new Folder(folderStats, target, await AcceptsKeywordsAsync(target.Folder, cancellationToken));
            folders[path] = folder;
            return folder;
        }
    }

    // PERMANENTFLAGS with \* (SELECT, not EXAMINE: a read-only open lists no permanent flags).
    private static async Task<bool> AcceptsKeywordsAsync(IMailFolder folder, CancellationToken cancellationToken)
    {
        await folder.OpenAsync(FolderAccess.ReadWrite, cancellationToken);
        var accepts = folder.PermanentFlags.HasFlag(MessageFlags.UserDefined);
        await folder.CloseAsync(false, cancellationToken);
        return accepts;
    }

    /// <summary>A message the import cannot append as it is (cut short, no content, unreadable meta): its bytes, whatever there are, with the reason.</summary>
    private static async Task QuarantineAsync(QuarantineWriter quarantine, ZimbraTgzItem item, PstFolderStatistics folder, string reason, CancellationToken cancellationToken)
    {
        var temp = Path.Combine(Path.GetTempPath(), $"ligbox-zimbra-{Guid.NewGuid():N}.eml");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024))
            {
                if (item.Content is not null)
                {
                    await item.Content.CopyToAsync(file, cancellationToken);
                }
            }

            await quarantine.AddFileAsync(temp, folder, item.Meta?.Subject ?? item.ContentEntryName ?? item.MetaEntryName, reason, cancellationToken);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private sealed record Folder(PstFolderStatistics Stats, AppendTargetFolder Target, bool Keywords);
}
