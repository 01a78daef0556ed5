using System.Collections.Concurrent;
using System.Net;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;

namespace Ligbox.Tools.NativeImap;

/// <summary>
/// One authenticated connection holding one of its server's connection slots (see <see cref="ImapConnector"/>).
/// Not thread-safe, like the <see cref="ImapClient"/> it wraps: one caller at a time. Dispose it to close
/// the connection and free the slot.
/// </summary>
public sealed class ImapConnection : IDisposable
{
    private readonly SemaphoreSlim _slot;
    private int _disposed;

    internal ImapConnection(ImapClient client, ImapEndpoint endpoint, ImapSide side, SemaphoreSlim slot)
    {
        Client = client;
        Endpoint = endpoint;
        Side = side;
        _slot = slot;
    }

    /// <summary>The connected, authenticated MailKit client. Large fetched bodies are spooled to temp files.</summary>
    public ImapClient Client { get; }

    /// <summary>The server and account this connection is logged in to.</summary>
    public ImapEndpoint Endpoint { get; }

    /// <summary>Which side of a migration the connection serves (used in error messages).</summary>
    public ImapSide Side { get; }

    /// <summary>Destination folders opened on this connection, by full name.</summary>
    public Dictionary<string, IMailFolder> Folders { get; } = new(StringComparer.Ordinal);

    /// <summary>Closes the connection without a LOGOUT round trip and frees its slot; safe to call twice.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // No LOGOUT round trip: this also runs on cancellation and after a dropped connection.
        Client.Dispose();
        _slot.Release();
    }
}

/// <summary>
/// Opens connections, bounded per server (host:port) across every caller of this instance
/// (<see cref="NativeImapOptions.MaxConnectionsPerServer"/>), and logs in with the endpoint's mechanism
/// (<see cref="NativeImapOptions.Timeout"/> for connect and login). Thread-safe. Used by the native engine
/// and by the PST/mbox import, which appends through the same connections.
/// </summary>
/// <param name="options">Connection limit, timeout, large-message spooling and protocol logging.</param>
/// <param name="counter">Counts the commands sent on every connection opened here.</param>
public sealed class ImapConnector(NativeImapOptions options, ImapCommandCounter counter)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _slots = new(StringComparer.OrdinalIgnoreCase);
    private int _logSequence;

    /// <summary>Opens a connection and logs in, waiting for a free slot of the server.</summary>
    /// <param name="endpoint">The server and account.</param>
    /// <param name="side">Which side it is, for the error message.</param>
    /// <param name="cancellationToken">Cancels the wait for a slot, the connect and the login.</param>
    /// <returns>The authenticated connection; dispose it to free the slot.</returns>
    /// <exception cref="ImapSyncException">
    /// The server cannot be reached, TLS fails, the login is refused or it does not answer in time;
    /// <see cref="ImapSyncException.Failure"/> says which, in words a technician can act on (no secret).
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<ImapConnection> OpenAsync(ImapEndpoint endpoint, ImapSide side, CancellationToken cancellationToken = default)
    {
        var slot = Slot(endpoint);
        await slot.WaitAsync(cancellationToken);
        return await ConnectInSlotAsync(endpoint, side, slot, cancellationToken);
    }

    /// <summary>Opens a connection only if its server has a slot free right now (an optimisation's extra connection).</summary>
    /// <returns>The authenticated connection, or <c>null</c> when every slot of the server is taken.</returns>
    /// <exception cref="ImapSyncException">The connect or login failed (see <see cref="OpenAsync"/>).</exception>
    public async Task<ImapConnection?> TryOpenAsync(ImapEndpoint endpoint, ImapSide side, CancellationToken cancellationToken = default)
    {
        var slot = Slot(endpoint);
        return await slot.WaitAsync(0, cancellationToken) ? await ConnectInSlotAsync(endpoint, side, slot, cancellationToken) : null;
    }

    /// <summary>
    /// Opens a source and a destination connection and logs in to both at once: a mailbox's first round trips wait for
    /// one login instead of two. The slots are taken first, the source's before the destination's, as every caller
    /// takes them, so two mailboxes never each hold the slot the other waits for.
    /// </summary>
    /// <param name="source">The source server and account.</param>
    /// <param name="destination">The destination server and account.</param>
    /// <param name="wait">
    /// Wait for free slots (<c>true</c>); or open only if both servers have a slot free right now, else return
    /// <c>null</c> (extra parallel lanes).
    /// </param>
    /// <param name="cancellationToken">Cancels the wait for slots, the connects and the logins.</param>
    /// <returns>Both connections, or <c>null</c> when <paramref name="wait"/> is <c>false</c> and a slot is taken.</returns>
    /// <exception cref="ImapSyncException">
    /// A connect or login failed (see <see cref="OpenAsync"/>); the source's failure when both failed. The other
    /// connection is closed.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<(ImapConnection Source, ImapConnection Destination)?> OpenPairAsync(
        ImapEndpoint source, ImapEndpoint destination, bool wait, CancellationToken cancellationToken = default)
    {
        var sourceSlot = Slot(source);
        var destinationSlot = Slot(destination);
        // Both from one server's slots: holding one while waiting for the other could deadlock parallel mailboxes, so
        // the second is only taken when free, and the first given back meanwhile.
        var waitForSecond = wait && !ReferenceEquals(sourceSlot, destinationSlot);
        while (true)
        {
            if (!await sourceSlot.WaitAsync(wait ? Timeout.Infinite : 0, cancellationToken))
            {
                return null;
            }

            bool second;
            try
            {
                second = await destinationSlot.WaitAsync(waitForSecond ? Timeout.Infinite : 0, cancellationToken);
            }
            catch
            {
                sourceSlot.Release();
                throw;
            }

            if (second)
            {
                break;
            }

            sourceSlot.Release();
            if (!wait)
            {
                return null;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(20, 200)), cancellationToken);
        }

        var sourceTask = ConnectInSlotAsync(source, ImapSide.Source, sourceSlot, cancellationToken);
        var destinationTask = ConnectInSlotAsync(destination, ImapSide.Destination, destinationSlot, cancellationToken);
        try
        {
            // WhenAll rethrows the first failure in task order: the source's when both failed.
            await Task.WhenAll(sourceTask, destinationTask);
        }
        catch
        {
            if (sourceTask.IsCompletedSuccessfully)
            {
                sourceTask.Result.Dispose();
            }

            if (destinationTask.IsCompletedSuccessfully)
            {
                destinationTask.Result.Dispose();
            }

            throw;
        }

        return (sourceTask.Result, destinationTask.Result);
    }

    private SemaphoreSlim Slot(ImapEndpoint endpoint) =>
        _slots.GetOrAdd($"{endpoint.Host}:{endpoint.Port}", _ => new SemaphoreSlim(options.MaxConnectionsPerServer, options.MaxConnectionsPerServer));

    private async Task<ImapConnection> ConnectInSlotAsync(ImapEndpoint endpoint, ImapSide side, SemaphoreSlim slot, CancellationToken cancellationToken)
    {
        ImapClient? client = null;
        CertificateCheck? certificate = null;
        try
        {
            client = new SpoolingImapClient(CreateLogger(endpoint, side), options.LargeMessageBytes)
            {
                Timeout = (int)options.Timeout.TotalMilliseconds,
            };
            // Verified by default; a certificate that does not verify passes only when it is the pinned one.
            certificate = new CertificateCheck(endpoint.CertificateSha256);
            client.ServerCertificateValidationCallback = certificate.Validate;

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Timeout);
            try
            {
                var security = endpoint.Security switch
                {
                    ImapSecurity.StartTls => SecureSocketOptions.StartTls,
                    ImapSecurity.Ssl => SecureSocketOptions.SslOnConnect,
                    _ => SecureSocketOptions.None,
                };
                // Over our own socket stream: MailKit's allocates a timer, two token sources and a task per read/write.
                var stream = await WatchdogStream.ConnectAsync(endpoint.Host, endpoint.Port, options.Timeout, timeout.Token);
                try
                {
                    await client.ConnectAsync(stream, endpoint.Host, endpoint.Port, security, timeout.Token);
                }
                catch
                {
                    await stream.DisposeAsync();
                    throw;
                }

                await AuthenticateAsync(client, endpoint, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no answer from {endpoint.Host}:{endpoint.Port} within {options.Timeout.TotalSeconds:0} s");
            }

            return new ImapConnection(client, endpoint, side, slot);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            client?.Dispose();
            slot.Release();
            if (certificate?.RefusedBecause is not null)
            {
                throw new ImapSyncException(certificate.Failure($"{endpoint.Host}:{endpoint.Port}", side, ex.Message), ex);
            }

            throw new ImapSyncException(ImapErrorClassifier.Classify(ex, endpoint, side), ex);
        }
        catch
        {
            client?.Dispose();
            slot.Release();
            throw;
        }
    }

    private static async Task AuthenticateAsync(ImapClient client, ImapEndpoint endpoint, CancellationToken cancellationToken)
    {
        if (endpoint.AdminUser is { } admin && endpoint.AdminMode == ImapAdminMode.ProxyAuth)
        {
            // SASL PLAIN: the admin authenticates, the user is the authorization identity.
            await client.AuthenticateAsync(new SaslMechanismPlain(admin, endpoint.Secret) { AuthorizationId = endpoint.User }, cancellationToken);
            return;
        }

        // A master-user login is an ordinary login as "user*admin" with the admin's password.
        var login = endpoint.LoginName;
        switch (endpoint.Mechanism)
        {
            case ImapAuthMechanism.XOAuth2:
                await client.AuthenticateAsync(new SaslMechanismOAuth2(endpoint.User, endpoint.Secret), cancellationToken);
                break;
            case ImapAuthMechanism.OAuthBearer:
                await client.AuthenticateAsync(new SaslMechanismOAuthBearer(endpoint.User, endpoint.Secret), cancellationToken);
                break;
            case ImapAuthMechanism.Plain when client.AuthenticationMechanisms.Contains("PLAIN"):
                await client.AuthenticateAsync(new SaslMechanismPlain(login, endpoint.Secret), cancellationToken);
                break;
            case ImapAuthMechanism.Login when client.AuthenticationMechanisms.Contains("LOGIN"):
                await client.AuthenticateAsync(new SaslMechanismLogin(login, endpoint.Secret), cancellationToken);
                break;
            default:
                // The server does not offer the SASL mechanism: MailKit falls back to the IMAP LOGIN command.
                await client.AuthenticateAsync(new NetworkCredential(login, endpoint.Secret), cancellationToken);
                break;
        }
    }

    private CountingProtocolLogger CreateLogger(ImapEndpoint endpoint, ImapSide side)
    {
        ProtocolLogger? file = null;
        if (options.ProtocolLogDirectory is { } dir)
        {
            Directory.CreateDirectory(dir);
            var n = Interlocked.Increment(ref _logSequence);
            var name = $"{side.ToString().ToLowerInvariant()}-{Sanitize(endpoint.User)}-{n:D4}.log";
            file = new ProtocolLogger(Path.Combine(dir, name)) { RedactSecrets = true };
            if (options.ProtocolLogTimestamps)
            {
                file.LogTimestamps = true;
                file.TimestampFormat = "HH:mm:ss.ffff";
            }
        }

        return new CountingProtocolLogger(counter, file);
    }

    private static string Sanitize(string text) =>
        string.Concat(text.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '@' ? c : '_'));
}

/// <summary>
/// An <see cref="ImapClient"/> whose folders spool large fetched bodies to a temp file instead of memory,
/// so a 100 MB message does not cost 100 MB of heap.
/// </summary>
internal sealed class SpoolingImapClient(IProtocolLogger logger, long largeMessageBytes) : ImapClient(logger)
{
    protected override ImapFolder CreateImapFolder(ImapFolderConstructorArgs args) => new SpoolingImapFolder(args, largeMessageBytes);
}

internal sealed class SpoolingImapFolder(ImapFolderConstructorArgs args, long largeMessageBytes) : ImapFolder(args)
{
    protected override Stream CreateStream(UniqueId? uid, string section, int offset, int length) =>
        length > largeMessageBytes ? new SpoolFile() : base.CreateStream(uid, section, offset, length);
}

/// <summary>
/// The temp file a large fetched body is spooled to. It counts the bare line feeds as they are written (for
/// <see cref="RawMessage"/>), and the engine can <see cref="Keep"/> it: MailKit's dispose after the fetch callback
/// then leaves it open, and the engine appends from it without copying 25 MB into a second file.
/// </summary>
internal sealed class SpoolFile : Stream
{
    private readonly FileStream _file = new(
        Path.Combine(Path.GetTempPath(), $"ligbox-{Guid.NewGuid():N}.eml"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920,
        FileOptions.DeleteOnClose | FileOptions.Asynchronous);
    private bool _kept;
    private byte _previous;

    /// <summary>Line feeds written without a carriage return before them.</summary>
    public long BareLineFeeds { get; private set; }

    /// <summary>The file's handle, for reads at an offset (<see cref="RandomAccess"/>).</summary>
    public Microsoft.Win32.SafeHandles.SafeFileHandle Handle => _file.SafeFileHandle;

    /// <summary>Takes the file over: the next dispose is ignored; <see cref="Release"/> closes (and deletes) it.</summary>
    public SpoolFile Keep()
    {
        _kept = true;
        return this;
    }

    public void Release()
    {
        _kept = false;
        Dispose();
    }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => true;
    public override long Length => _file.Length;

    public override long Position
    {
        get => _file.Position;
        set => _file.Position = value;
    }

    public override void Flush() => _file.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _file.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => _file.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => _file.Read(buffer);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _file.ReadAsync(buffer, offset, count, cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _file.ReadAsync(buffer, cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => _file.Seek(offset, origin);

    public override void SetLength(long value) => _file.SetLength(value);

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        BareLineFeeds += RawMessage.CountBareLineFeeds(buffer, ref _previous);
        _file.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        BareLineFeeds += RawMessage.CountBareLineFeeds(buffer.Span, ref _previous);
        return _file.WriteAsync(buffer, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_kept)
        {
            _file.Dispose();
        }

        base.Dispose(disposing);
    }
}
