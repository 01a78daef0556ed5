using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Ligbox.Tools.NativeImap;

/// <summary>
/// The socket stream MailKit talks over, with read and write timeouts that cost nothing per operation. MailKit's own
/// network stream makes, for every read and every write, a timeout <see cref="CancellationTokenSource"/> (with its
/// timer), a linked source, a registration, a task completion source and a task: about half of what the engine
/// still allocated per 5 KB message, and the GC's budget grows on that churn. Here a read or write only notes when
/// it started; one timer per connection checks that time and closes the socket when an operation has waited longer
/// than the timeout, which then fails with a <see cref="TimeoutException"/> (as MailKit's does).
/// </summary>
/// <remarks>
/// Like MailKit's stream, a cancelled or failed operation closes the connection: the protocol state is unknown then.
/// </remarks>
internal sealed class WatchdogStream : Stream
{
    private readonly NetworkStream _inner;
    private readonly Timer _watchdog;
    private long _readSince;
    private long _writeSince;
    private int _readTimeout;
    private int _writeTimeout;
    private volatile bool _timedOut;

    public WatchdogStream(Socket socket, TimeSpan timeout)
    {
        _inner = new NetworkStream(socket, ownsSocket: true);
        _readTimeout = _writeTimeout = (int)timeout.TotalMilliseconds;
        // Checked four times per timeout (at most every 5 s): an operation fails between 1 and 1.25 timeouts late.
        var period = TimeSpan.FromMilliseconds(Math.Clamp(timeout.TotalMilliseconds / 4, 50, 5000));
        _watchdog = new Timer(static state => ((WatchdogStream)state!).Check(), this, period, period);
    }

    /// <summary>Opens a TCP connection to <paramref name="host"/>:<paramref name="port"/> (every address it resolves to, in turn).</summary>
    public static async Task<WatchdogStream> ConnectAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, cancellationToken);
            return new WatchdogStream(socket, timeout);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override bool CanTimeout => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int ReadTimeout
    {
        get => _readTimeout;
        set => _readTimeout = value;
    }

    public override int WriteTimeout
    {
        get => _writeTimeout;
        set => _writeTimeout = value;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Volatile.Write(ref _readSince, Stopwatch.GetTimestamp());
        int read;
        try
        {
            read = await _inner.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception ex) when (Failed(ex, _readTimeout) is { } failure)
        {
            throw failure;
        }
        finally
        {
            Volatile.Write(ref _readSince, 0);
        }

        // Closing the socket under a waiting read can also end it as if the peer had closed (0 bytes).
        return read == 0 && _timedOut ? throw TimedOut(_readTimeout, null) : read;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Volatile.Write(ref _writeSince, Stopwatch.GetTimestamp());
        try
        {
            await _inner.WriteAsync(buffer, cancellationToken);
        }
        catch (Exception ex) when (Failed(ex, _writeTimeout) is { } failure)
        {
            throw failure;
        }
        finally
        {
            Volatile.Write(ref _writeSince, 0);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _watchdog.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// Closes the connection (the protocol state is unknown after a failed or cancelled operation, as with MailKit's
    /// own stream) and says what to throw instead of <paramref name="ex"/>, or <c>null</c> to let it through.
    /// </summary>
    private Exception? Failed(Exception ex, int timeout)
    {
        _inner.Dispose();
        if (_timedOut)
        {
            return TimedOut(timeout, ex);
        }

        return ex is SocketException ? new IOException(ex.Message, ex) : null;
    }

    private static TimeoutException TimedOut(int timeout, Exception? inner) => new($"Operation timed out after {timeout} milliseconds", inner);

    private void Check()
    {
        var now = Stopwatch.GetTimestamp();
        if (Waited(Volatile.Read(ref _readSince), now, _readTimeout) || Waited(Volatile.Read(ref _writeSince), now, _writeTimeout))
        {
            _timedOut = true;
            _inner.Dispose();
        }
    }

    private static bool Waited(long since, long now, int timeout) =>
        since != 0 && timeout > 0 && Stopwatch.GetElapsedTime(since, now).TotalMilliseconds > timeout;
}
