using System.Net;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Readpst;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;

namespace Ligbox.Core.Pst;

/// <summary>
/// Imports a PST (through <c>readpst -e</c>) or an mbox into one IMAP account: one message at a time,
/// folders mapped with the engine's <see cref="FolderMapper"/>, read state and date kept, messages already
/// in the destination skipped, rejected ones quarantined. No database: the run bookkeeping is the caller's.
/// </summary>
public sealed class PstImporter(IReadpstRunner readpst, TimeProvider clock)
{
    /// <summary>Executes an import; progress is reported on the same statistics object after every message.</summary>
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
        var quarantine = new QuarantineWriter(request.QuarantineDirectory, clock);
        try
        {
            if (stats.SourceKind == PstSourceKind.Pst)
            {
                var items = await ExtractAsync(request, stats, onProgress, cancellationToken);
                using var session = await PstDestination.ConnectAsync(request.Destination, request.RootFolder, cancellationToken);
                stats.Phase = "importing";
                foreach (var folder in items.GroupBy(i => i.Folder, StringComparer.Ordinal))
                {
                    var folderStats = new PstFolderStatistics { Source = folder.Key };
                    stats.Folders.Add(folderStats);
                    folderStats.Extracted = folder.Count();
                    folderStats.NotMail = folder.Count(i => i.Kind != ReadpstItemKind.Email);
                    var emails = folder.Where(i => i.Kind == ReadpstItemKind.Email).ToList();
                    if (emails.Count == 0)
                    {
                        continue;
                    }

                    var target = await session.OpenAsync(StripPstRoot(folder.Key), cancellationToken);
                    folderStats.Destination = target.FullName;
                    foreach (var item in emails)
                    {
                        MimeMessage message;
                        try
                        {
                            await using var file = File.OpenRead(item.FullPath);
                            message = await MimeMessage.LoadAsync(file, cancellationToken);
                        }
                        catch (FormatException ex)
                        {
                            folderStats.Quarantined++;
                            await quarantine.AddFileAsync(item.FullPath, folderStats, null, $"Cannot be parsed: {ex.Message}", cancellationToken);
                            continue;
                        }

                        await ImportOneAsync(session, target, message, folderStats, quarantine, cancellationToken);
                        onProgress?.Invoke(stats);
                    }

                    folderStats.DestinationMessages = await session.CountAsync(target, cancellationToken);
                }
            }
            else
            {
                using var session = await PstDestination.ConnectAsync(request.Destination, request.RootFolder, cancellationToken);
                stats.Phase = "importing";
                var name = Path.GetFileNameWithoutExtension(request.SourceName);
                var folderStats = new PstFolderStatistics { Source = name };
                stats.Folders.Add(folderStats);
                var target = await session.OpenAsync(name, cancellationToken);
                folderStats.Destination = target.FullName;
                await using var stream = File.OpenRead(request.SourcePath);
                var parser = new MimeParser(stream, MimeFormat.Mbox);
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

                    folderStats.Extracted++;
                    await ImportOneAsync(session, target, message, folderStats, quarantine, cancellationToken);
                    onProgress?.Invoke(stats);
                }

                folderStats.DestinationMessages = await session.CountAsync(target, cancellationToken);
            }

            stats.Phase = "done";
            onProgress?.Invoke(stats);
            return stats;
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
    public async Task<PstImportStatistics> RetryQuarantineAsync(ImapEndpoint destination, string quarantineDirectory, string? rootFolder, CancellationToken cancellationToken = default)
    {
        var stats = new PstImportStatistics { SourceName = "quarantine", RootFolder = rootFolder, Phase = "importing" };
        var entries = QuarantineWriter.Read(quarantineDirectory);
        var retryDirectory = quarantineDirectory + ".retry";
        var stillFailing = new QuarantineWriter(retryDirectory, clock);
        using var session = await PstDestination.ConnectAsync(destination, rootFolder, cancellationToken);
        foreach (var group in entries.GroupBy(e => e.DestinationFolder, StringComparer.Ordinal))
        {
            var folderStats = new PstFolderStatistics { Source = group.First().SourceFolder };
            stats.Folders.Add(folderStats);
            var target = await session.OpenExistingOrCreateAsync(group.Key, cancellationToken);
            folderStats.Destination = target.FullName;
            foreach (var entry in group)
            {
                folderStats.Extracted++;
                var path = QuarantineWriter.EmlPath(quarantineDirectory, entry.Number);
                MimeMessage message;
                try
                {
                    message = await MimeMessage.LoadAsync(path, cancellationToken);
                }
                catch (FormatException ex)
                {
                    folderStats.Quarantined++;
                    await stillFailing.AddFileAsync(path, folderStats, entry.Subject, $"Cannot be parsed: {ex.Message}", cancellationToken);
                    continue;
                }

                await ImportOneAsync(session, target, message, folderStats, stillFailing, cancellationToken);
            }

            folderStats.DestinationMessages = await session.CountAsync(target, cancellationToken);
        }

        Directory.Delete(quarantineDirectory, recursive: true);
        if (Directory.Exists(retryDirectory))
        {
            Directory.Move(retryDirectory, quarantineDirectory);
        }

        stats.Phase = "done";
        return stats;
    }

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

    private async Task<IReadOnlyList<ReadpstItem>> ExtractAsync(PstImportRequest request, PstImportStatistics stats, Action<PstImportStatistics>? onProgress, CancellationToken cancellationToken)
    {
        stats.Phase = "extracting";
        onProgress?.Invoke(stats);
        // A resumed run extracts again from scratch; the identity check skips what the first attempt appended.
        if (Directory.Exists(request.WorkDirectory))
        {
            Directory.Delete(request.WorkDirectory, recursive: true);
        }

        var result = await readpst.ExtractAsync(request.SourcePath, request.WorkDirectory, progress =>
        {
            if (progress.Kind == ReadpstProgressKind.FolderCompleted)
            {
                stats.Readpst.Add(new ReadpstFolderReport(progress.Folder, progress.ItemsDone, progress.ItemsSkipped));
                onProgress?.Invoke(stats);
            }
        }, cancellationToken);
        if (!result.Succeeded)
        {
            throw new PstImportException(result.ErrorMessage ?? $"readpst failed with exit code {result.ExitCode}.");
        }

        return result.Items;
    }

    // readpst's first level is the PST's root folder ("Outlook", "Personal folders"); it is not a mail folder.
    internal static string StripPstRoot(string folder)
    {
        var slash = folder.IndexOf('/');
        return slash < 0 ? "" : folder[(slash + 1)..];
    }

    private static async Task ImportOneAsync(PstDestination session, PstTargetFolder target, MimeMessage message, PstFolderStatistics folderStats,
        QuarantineWriter quarantine, CancellationToken cancellationToken)
    {
        folderStats.Parsed++;
        var candidate = PstMessage.Prepare(message);
        if (target.Contains(candidate.Key))
        {
            folderStats.Skipped++;
            return;
        }

        try
        {
            await session.AppendAsync(target, candidate, cancellationToken);
            folderStats.Appended++;
        }
        catch (ImapCommandException ex)
        {
            folderStats.Quarantined++;
            await quarantine.AddMessageAsync(candidate.Bytes, folderStats, message.Subject, $"Rejected by the server: {ex.Response} {ex.ResponseText}", cancellationToken);
        }
    }

    /// <summary>Maps a <see cref="Jobs.ImapSecurityMode"/>-style endpoint onto MailKit options.</summary>
    internal static SecureSocketOptions Socket(ImapSecurity security) => security switch
    {
        ImapSecurity.StartTls => SecureSocketOptions.StartTls,
        ImapSecurity.Ssl => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.None,
    };

    internal static async Task AuthenticateAsync(ImapClient client, ImapEndpoint endpoint, CancellationToken cancellationToken)
    {
        if (endpoint.Mechanism == ImapAuthMechanism.XOAuth2)
        {
            await client.AuthenticateAsync(new SaslMechanismOAuth2(endpoint.User, endpoint.Secret), cancellationToken);
        }
        else
        {
            await client.AuthenticateAsync(new NetworkCredential(endpoint.User, endpoint.Secret), cancellationToken);
        }
    }
}
