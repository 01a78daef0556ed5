using Ligbox.Tools.NativeImap;
using MailKit;
using MailKit.Net.Imap;
using MimeKit;

namespace Ligbox.Core.Pst;

/// <summary>A destination folder opened for appending, with the identities of the messages already in it.</summary>
internal sealed class PstTargetFolder(IMailFolder folder, HashSet<string> keys)
{
    public IMailFolder Folder { get; } = folder;
    public string FullName => Folder.FullName;
    public bool Contains(string key) => keys.Contains(key);
    public void Add(string key) => keys.Add(key);
}

/// <summary>One IMAP connection to the destination account: maps PST folders, opens them, appends.</summary>
internal sealed class PstDestination : IDisposable
{
    private static readonly HashSet<string> InboxNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "Inbox", "Caixa de Entrada", "Caixa de Correio de Entrada", "Bandeja de entrada", "Boîte de réception", "Posteingang",
    };

    private readonly ImapClient _client;
    private readonly FolderMapper _mapper;
    private readonly string? _rootFolder;
    private readonly List<DestinationFolder> _existing;
    private readonly Dictionary<string, PstTargetFolder> _open = new(StringComparer.Ordinal);

    private PstDestination(ImapClient client, string? rootFolder, List<DestinationFolder> existing)
    {
        _client = client;
        _rootFolder = string.IsNullOrWhiteSpace(rootFolder) ? null : rootFolder.Trim('/');
        _existing = existing;
        _mapper = new FolderMapper(new FolderMappingOptions { DestinationPrefix = _rootFolder });
    }

    private char Separator => _client.PersonalNamespaces.Count > 0 ? _client.PersonalNamespaces[0].DirectorySeparator : '/';

    public static async Task<PstDestination> ConnectAsync(ImapEndpoint endpoint, string? rootFolder, CancellationToken cancellationToken)
    {
        var client = new ImapClient { Timeout = 120_000 };
        try
        {
            if (endpoint.AcceptInvalidCertificates)
            {
                client.ServerCertificateValidationCallback = (_, _, _, _) => true;
            }

            try
            {
                await client.ConnectAsync(endpoint.Host, endpoint.Port, PstImporter.Socket(endpoint.Security), cancellationToken);
                await PstImporter.AuthenticateAsync(client, endpoint, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                var failure = ImapErrorClassifierBridge.Describe(ex, endpoint);
                throw new PstImportException(failure, ex);
            }

            var folders = await client.GetFoldersAsync(client.PersonalNamespaces[0], StatusItems.None, subscribedOnly: false, cancellationToken);
            var existing = folders.Select(f => new DestinationFolder(f.FullName, RoleOf(f.Attributes))).ToList();
            return new PstDestination(client, rootFolder, existing);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Opens (creating when missing) the destination of a PST folder path written with <c>/</c>; empty = the PST's root.</summary>
    public Task<PstTargetFolder> OpenAsync(string pstFolder, CancellationToken cancellationToken)
    {
        string destination;
        var isTopLevel = !pstFolder.Contains('/');
        if (pstFolder.Length == 0)
        {
            destination = _rootFolder is null ? "INBOX" : string.Join(Separator, _rootFolder.Split('/'));
        }
        else if (isTopLevel && InboxNames.Contains(pstFolder))
        {
            destination = "INBOX";
        }
        else
        {
            destination = _mapper.Map([new SourceFolder(pstFolder, '/')], _existing, Separator)[0].Destination;
        }

        return OpenExistingOrCreateAsync(destination, cancellationToken);
    }

    public async Task<PstTargetFolder> OpenExistingOrCreateAsync(string fullName, CancellationToken cancellationToken)
    {
        if (_open.TryGetValue(fullName, out var open))
        {
            await open.Folder.OpenAsync(FolderAccess.ReadWrite, cancellationToken);
            return open;
        }

        var folder = fullName.Equals("INBOX", StringComparison.OrdinalIgnoreCase) ? _client.Inbox : await GetOrCreateAsync(fullName, cancellationToken);
        await folder.OpenAsync(FolderAccess.ReadWrite, cancellationToken);
        var target = new PstTargetFolder(folder, await LoadKeysAsync(folder, cancellationToken));
        _open[fullName] = target;
        return target;
    }

    public async Task AppendAsync(PstTargetFolder target, PstMessage message, CancellationToken cancellationToken)
    {
        var request = new AppendRequest(message.Message, message.Flags);
        if (message.Date is { } date)
        {
            request.InternalDate = date;
        }

        await target.Folder.AppendAsync(PstMessage.Format, request, cancellationToken);
        target.Add(message.Key);
    }

    /// <summary>STATUS MESSAGES of the folder, as the server reports it.</summary>
    public async Task<int> CountAsync(PstTargetFolder target, CancellationToken cancellationToken)
    {
        await target.Folder.CloseAsync(false, cancellationToken);
        await target.Folder.StatusAsync(StatusItems.Count, cancellationToken);
        return target.Folder.Count;
    }

    public void Dispose() => _client.Dispose();

    // Identities of what is already there, read once per folder: Message-ID and Date headers;
    // messages without a Message-ID are downloaded once to hash them.
    private static async Task<HashSet<string>> LoadKeysAsync(IMailFolder folder, CancellationToken cancellationToken)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        if (folder.Count == 0)
        {
            return keys;
        }

        var request = new FetchRequest(MessageSummaryItems.UniqueId)
        {
            Headers = new HeaderSet([HeaderId.MessageId, HeaderId.Date]),
        };
        foreach (var summary in await folder.FetchAsync(0, -1, request, cancellationToken))
        {
            var messageId = PstMessage.NormalizeMessageId(summary.Headers?[HeaderId.MessageId]);
            var date = PstMessage.ParseDate(summary.Headers?[HeaderId.Date]);
            string? hash = null;
            if (messageId is null)
            {
                using var message = await folder.GetMessageAsync(summary.UniqueId, cancellationToken);
                hash = PstMessage.ContentHash(message);
            }

            keys.Add(PstMessage.Identity(messageId, date, () => hash!));
        }

        return keys;
    }

    private async Task<IMailFolder> GetOrCreateAsync(string fullName, CancellationToken cancellationToken)
    {
        var parent = _client.GetFolder(_client.PersonalNamespaces[0])
            ?? throw new PstImportException("The destination server has no personal namespace.");
        foreach (var part in fullName.Split(Separator))
        {
            IMailFolder? next;
            try
            {
                next = await parent.GetSubfolderAsync(part, cancellationToken);
                if (next is null || !next.Exists)
                {
                    next = await parent.CreateAsync(part, true, cancellationToken);
                }
            }
            catch (FolderNotFoundException)
            {
                next = await parent.CreateAsync(part, true, cancellationToken);
            }

            parent = next ?? throw new PstImportException($"Could not create the destination folder '{fullName}'.");
        }

        return parent;
    }

    private static FolderRole RoleOf(FolderAttributes attributes) => attributes switch
    {
        _ when attributes.HasFlag(FolderAttributes.Sent) => FolderRole.Sent,
        _ when attributes.HasFlag(FolderAttributes.Drafts) => FolderRole.Drafts,
        _ when attributes.HasFlag(FolderAttributes.Trash) => FolderRole.Trash,
        _ when attributes.HasFlag(FolderAttributes.Junk) => FolderRole.Junk,
        _ when attributes.HasFlag(FolderAttributes.Archive) => FolderRole.Archive,
        _ when attributes.HasFlag(FolderAttributes.All) => FolderRole.All,
        _ when attributes.HasFlag(FolderAttributes.Flagged) => FolderRole.Flagged,
        _ => FolderRole.None,
    };
}

/// <summary>Plain words for a failed connection or login, without the secret.</summary>
internal static class ImapErrorClassifierBridge
{
    public static string Describe(Exception exception, ImapEndpoint endpoint) => exception switch
    {
        MailKit.Security.AuthenticationException => $"The destination {endpoint} refused the login; check the mailbox's destination password.",
        System.Net.Sockets.SocketException => $"Cannot connect to the destination {endpoint}: {exception.Message}",
        _ => $"Cannot open the destination {endpoint}: {exception.Message}",
    };
}
