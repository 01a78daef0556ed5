using Ligbox.Tools.NativeImap;
using MailKit;
using MimeKit;

namespace Ligbox.Tools.ImapAppend;

/// <summary>
/// A destination folder of an import, with the identities of the messages already in it plus the ones
/// queued by this import. Only the producer (one thread) reads and adds keys.
/// </summary>
public sealed class AppendTargetFolder
{
    private readonly HashSet<string> _keys;

    internal AppendTargetFolder(IMailFolder folder, HashSet<string> keys) => (Folder, _keys) = (folder, keys);

    /// <summary>The folder on the control connection.</summary>
    public IMailFolder Folder { get; }

    /// <summary>Its full name on the server.</summary>
    public string FullName => Folder.FullName;

    /// <summary>Whether a message of this identity (<see cref="AppendMessage.Key"/>) is there or queued.</summary>
    public bool Contains(string key) => _keys.Contains(key);

    /// <summary>Marks an identity as queued.</summary>
    public void Add(string key) => _keys.Add(key);
}

/// <summary>
/// The destination account of an import: one control connection (maps source folders, creates and indexes
/// them, counts) and, on demand, the appender connections, all opened by the engine's <see cref="ImapConnector"/>.
/// </summary>
public sealed class AppendDestination : IDisposable
{
    private static readonly HashSet<string> InboxNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "Inbox", "Caixa de Entrada", "Caixa de Correio de Entrada", "Bandeja de entrada", "Boîte de réception", "Posteingang",
    };

    private const int KeyChunk = 1000;
    private readonly ImapConnector _connector;
    private readonly ImapConnection _control;
    private readonly FolderMapper _mapper;
    private readonly string? _rootFolder;
    private readonly List<DestinationFolder> _existing;
    private readonly Dictionary<string, AppendTargetFolder> _open = new(StringComparer.Ordinal);
    private readonly List<ImapConnection> _appenders = [];

    private AppendDestination(ImapConnector connector, ImapConnection control, string? rootFolder, List<DestinationFolder> existing)
    {
        _connector = connector;
        _control = control;
        _rootFolder = string.IsNullOrWhiteSpace(rootFolder) ? null : rootFolder.Trim('/');
        _existing = existing;
        _mapper = new FolderMapper(new FolderMappingOptions { DestinationPrefix = _rootFolder });
    }

    private IMailFolder Root => _control.Client.GetFolder(_control.Client.PersonalNamespaces[0])
        ?? throw new ImapAppendException("The destination server has no personal namespace.");

    private char Separator => _control.Client.PersonalNamespaces.Count > 0 ? _control.Client.PersonalNamespaces[0].DirectorySeparator : '/';

    /// <summary>Whether the server takes several messages in one APPEND (RFC 3502).</summary>
    public bool SupportsMultiAppend => _control.Client.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.MultiAppend);

    /// <summary>Logs in to the destination and lists its folders.</summary>
    /// <param name="connector">Opens the connections (see <see cref="ImapAppendOptions.CreateConnector"/>).</param>
    /// <param name="endpoint">The destination account.</param>
    /// <param name="rootFolder">Ordinary folders go under this destination folder; <c>null</c> for the top level.</param>
    /// <param name="cancellationToken">Stops the login.</param>
    /// <exception cref="ImapAppendException">The destination cannot be reached or refuses the login, in plain words.</exception>
    public static async Task<AppendDestination> ConnectAsync(ImapConnector connector, ImapEndpoint endpoint, string? rootFolder, CancellationToken cancellationToken)
    {
        var control = await OpenAsync(connector, endpoint, cancellationToken);
        try
        {
            var client = control.Client;
            var folders = await client.GetFoldersAsync(client.PersonalNamespaces[0], StatusItems.None, subscribedOnly: false, cancellationToken);
            var existing = folders.Select(f => new DestinationFolder(f.FullName, RoleOf(f.Attributes))).ToList();
            return new AppendDestination(connector, control, rootFolder, existing);
        }
        catch
        {
            control.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens up to <paramref name="count"/> appender connections in parallel. The first failure is the
    /// import's failure only when none could be opened (a server limit on connections just means fewer).
    /// </summary>
    internal async Task<IReadOnlyList<ImapConnection>> OpenAppendersAsync(int count, CancellationToken cancellationToken)
    {
        var attempts = Enumerable.Range(0, count).Select(_ => OpenAsync(_connector, _control.Endpoint, cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(attempts);
        }
        catch (ImapAppendException) when (attempts.Any(a => a.IsCompletedSuccessfully))
        {
        }
        finally
        {
            _appenders.AddRange(attempts.Where(a => a.IsCompletedSuccessfully).Select(a => a.Result));
        }

        return _appenders;
    }

    /// <summary>
    /// Opens (creating when missing) the destination of a source folder path written with <c>/</c> (empty = the source's
    /// root: the root folder, else INBOX); a top-level inbox in a known language goes to INBOX, the rest through <see cref="FolderMapper"/>.
    /// </summary>
    /// <exception cref="ImapAppendException">The folder cannot be created.</exception>
    public Task<AppendTargetFolder> OpenAsync(string pstFolder, CancellationToken cancellationToken)
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

    /// <summary>The folder by full name (created when missing), its identities read once per import.</summary>
    /// <exception cref="ImapAppendException">The folder cannot be created.</exception>
    public async Task<AppendTargetFolder> OpenExistingOrCreateAsync(string fullName, CancellationToken cancellationToken)
    {
        if (_open.TryGetValue(fullName, out var open))
        {
            return open;
        }

        var folder = fullName.Equals("INBOX", StringComparison.OrdinalIgnoreCase) ? _control.Client.Inbox : await GetOrCreateAsync(fullName, cancellationToken);
        await folder.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
        var keys = await LoadKeysAsync(folder, cancellationToken);
        // Appends go through other connections; this one only needs the folder again for STATUS.
        await folder.CloseAsync(false, cancellationToken);
        var target = new AppendTargetFolder(folder, keys);
        _open[fullName] = target;
        return target;
    }

    /// <summary>STATUS MESSAGES of the folder, as the server reports it.</summary>
    public async Task<int> CountAsync(AppendTargetFolder target, CancellationToken cancellationToken)
    {
        await target.Folder.StatusAsync(StatusItems.Count, cancellationToken);
        return target.Folder.Count;
    }

    /// <summary>Logs out of every connection.</summary>
    public void Dispose()
    {
        foreach (var appender in _appenders)
        {
            appender.Dispose();
        }

        _control.Dispose();
    }

    private static async Task<ImapConnection> OpenAsync(ImapConnector connector, ImapEndpoint endpoint, CancellationToken cancellationToken)
    {
        try
        {
            return await connector.OpenAsync(endpoint, ImapSide.Destination, cancellationToken);
        }
        catch (ImapSyncException ex)
        {
            var message = ex.Failure.Message;
            throw new ImapAppendException(char.ToUpperInvariant(message[0]) + message[1..] + ".", ex);
        }
    }

    // Identities of what is already there: Message-ID and Date headers, in chunks (a 200,000-message
    // folder is not one giant FETCH response); messages without a Message-ID are downloaded once to hash
    // them, large ones through a temp file (the connector's spooling client).
    private static async Task<HashSet<string>> LoadKeysAsync(IMailFolder folder, CancellationToken cancellationToken)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var request = new FetchRequest(MessageSummaryItems.UniqueId)
        {
            Headers = new HeaderSet([HeaderId.MessageId, HeaderId.Date]),
        };
        for (var start = 0; start < folder.Count; start += KeyChunk)
        {
            var end = Math.Min(folder.Count, start + KeyChunk) - 1;
            foreach (var summary in await folder.FetchAsync(start, end, request, cancellationToken))
            {
                var messageId = AppendMessage.NormalizeMessageId(summary.Headers?[HeaderId.MessageId]);
                var date = AppendMessage.ParseDate(summary.Headers?[HeaderId.Date]);
                string? hash = null;
                if (messageId is null)
                {
                    await using var stream = await folder.GetStreamAsync(summary.UniqueId, cancellationToken);
                    using var message = await MimeMessage.LoadAsync(stream, persistent: true, cancellationToken);
                    hash = AppendMessage.ContentHash(message);
                }

                keys.Add(AppendMessage.Identity(messageId, date, () => hash!));
            }
        }

        return keys;
    }

    private async Task<IMailFolder> GetOrCreateAsync(string fullName, CancellationToken cancellationToken)
    {
        var parent = Root;
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

            parent = next ?? throw new ImapAppendException($"Could not create the destination folder '{fullName}'.");
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
