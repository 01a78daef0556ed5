using System.Buffers;
using System.Security.Cryptography;
using Ligbox.Tools.NativeImap;
using MailKit;
using MimeKit;
using MimeKit.Utils;

namespace Ligbox.Tools.ImapAppend;

/// <summary>
/// A message ready to append: read state and date taken from its mbox bookkeeping headers (removed from
/// what is stored), and its identity. Its bytes are either held apart from the source (an mbox message:
/// in memory, or in a temp file above <see cref="ImapAppendOptions.LargeMessageBytes"/>, so the mbox can be
/// read on while the message waits for its APPEND on another connection) or left in their own file (a
/// message file (readpst <c>.eml</c>): only its header is read up front; the appender parses the file itself, so the
/// parsing is spread over the appender connections).
/// </summary>
public sealed class AppendMessage : IDisposable
{
    private readonly byte[]? _bytes;
    private readonly FileStream? _file;
    private readonly string? _path;
    private readonly bool _readWhole;
    private FileStream? _opened;
    private byte[]? _rented;
    private MimeMessage? _loaded;
    private bool _pooled;

    /// <summary>
    /// Messages made for raw APPENDs, reused: a <see cref="MimeMessage"/> with its parser is ~10 KB of allocations, and
    /// a PST import makes one per message (a quarter of what the import allocated).
    /// </summary>
    private static readonly RawMessage.Pool RawMessages = new(256);

    /// <summary>The longest header a message file may have to be sent from the file (a longer one is read whole).</summary>
    private const int MaxHeaderBytes = 64 * 1024;

    private AppendMessage(byte[]? bytes, FileStream? file, string? path, bool readWhole, long length, MessageFlags flags, DateTimeOffset? date, string key, string? subject)
    {
        (_bytes, _file, _path, _readWhole, Length, Flags, Date, Key, Subject) = (bytes, file, path, readWhole, length, flags, date, key, subject);
    }

    /// <summary>How MailKit writes an APPEND literal; the same options make our bytes and size match the server's.</summary>
    public static FormatOptions Format { get; } = CreateFormat();

    /// <summary>Its size as MailKit sends it.</summary>
    public long Length { get; }
    /// <summary>Read, answered and flagged state from its mbox bookkeeping headers.</summary>
    public MessageFlags Flags { get; }
    /// <summary>Its Date header (the INTERNALDATE it is appended with).</summary>
    public DateTimeOffset? Date { get; }
    /// <summary>Its identity (<see cref="Identity"/>).</summary>
    public string Key { get; }
    /// <summary>Its subject, for the quarantine list.</summary>
    public string? Subject { get; }

    /// <summary>IMAP keywords to append with (Zimbra tags, <c>$Forwarded</c>); empty for PST and mbox.</summary>
    public IReadOnlyList<string> Keywords { get; private init; } = [];

    /// <summary>Whether the bytes wait in a temp file.</summary>
    public bool IsSpooled => _file is not null;

    /// <summary>An mbox message, copied out of the mbox (the parser goes on over the same stream).</summary>
    public static AppendMessage Prepare(MimeMessage message, long largeMessageBytes)
    {
        var flags = FlagsOf(message.Headers);
        RemoveBookkeeping(message);
        var date = ParseDate(message.Headers[HeaderId.Date]);
        var key = Identity(NormalizeMessageId(message.Headers[HeaderId.MessageId]), date, () => ContentHash(message));
        using var spill = new SpillStream(largeMessageBytes);
        message.WriteTo(Format, spill);
        var (bytes, file) = spill.Detach();
        return new AppendMessage(bytes, file, null, false, spill.Length, flags, date, key, message.Subject);
    }

    /// <summary>
    /// A message file (readpst <c>.eml</c>, quarantine): only the header is parsed here, the whole file
    /// only when there is no Message-ID to hash its content.
    /// </summary>
    /// <exception cref="FormatException">The header cannot be parsed.</exception>
    public static async Task<AppendMessage> FromFileAsync(string path, long largeMessageBytes, CancellationToken cancellationToken)
    {
        // No FileStream buffer: the header parser reads in blocks of its own (a 16 KB buffer per message was churn).
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        var headers = await HeaderList.LoadAsync(stream, cancellationToken);
        var date = ParseDate(headers[HeaderId.Date]);
        var messageId = NormalizeMessageId(headers[HeaderId.MessageId]);
        string? hash = null;
        if (messageId is null)
        {
            stream.Position = 0;
            using var message = await MimeMessage.LoadAsync(stream, persistent: true, cancellationToken);
            hash = ContentHash(message);
        }

        return new AppendMessage(null, null, path, stream.Length <= largeMessageBytes, stream.Length, FlagsOf(headers), date,
            Identity(messageId, date, () => hash!), headers[HeaderId.Subject]);
    }

    /// <summary>
    /// A message whose state is kept apart from its bytes (a Zimbra TGZ: flags, tags and date in the item's
    /// <c>.meta</c>): the bytes are copied out of <paramref name="content"/> (memory, or a temp file above
    /// <paramref name="largeMessageBytes"/>, so the archive can be read on); only the header is parsed here,
    /// the whole message only when there is no Message-ID to hash. The identity is the same as for a PST.
    /// </summary>
    /// <exception cref="FormatException">The header cannot be parsed.</exception>
    public static async Task<AppendMessage> FromStreamAsync(Stream content, MessageFlags flags, IReadOnlyList<string> keywords, DateTimeOffset? internalDate,
        long largeMessageBytes, CancellationToken cancellationToken)
    {
        using var spill = new SpillStream(largeMessageBytes);
        await content.CopyToAsync(spill, cancellationToken);
        var length = spill.Length;
        var (bytes, file) = spill.Detach();
        try
        {
            Stream view = file is not null ? file : new MemoryStream(bytes!, writable: false);
            view.Position = 0;
            var headers = await HeaderList.LoadAsync(view, cancellationToken);
            var messageId = NormalizeMessageId(headers[HeaderId.MessageId]);
            var headerDate = ParseDate(headers[HeaderId.Date]);
            string? hash = null;
            if (messageId is null)
            {
                view.Position = 0;
                using var message = await MimeMessage.LoadAsync(view, persistent: file is not null, cancellationToken);
                hash = ContentHash(message);
            }

            return new AppendMessage(bytes, file, null, false, length, flags, internalDate ?? headerDate, Identity(messageId, headerDate, () => hash!), headers[HeaderId.Subject])
            {
                Keywords = keywords,
            };
        }
        catch
        {
            file?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The message for MailKit, sent as its bytes (a pooled <see cref="NativeImap.RawMessage"/>, prepared by
    /// <see cref="ForAppend(ReadOnlySpan{byte})"/>): no MIME parse, the bytes MailKit's formatting of the parsed message
    /// would have written. A message file is streamed from the file (<see cref="FromFile"/>), a message in memory sent
    /// from its bytes. Only a message spooled to a temp file (an mbox or TGZ message above
    /// <see cref="ImapAppendOptions.LargeMessageBytes"/>) is parsed, over the file. One caller at a time; the message
    /// stays this object's: call <see cref="Release"/> (not Dispose) once it has been appended.
    /// </summary>
    /// <exception cref="FormatException">A spooled message cannot be parsed.</exception>
    public MimeMessage Load()
    {
        Release();
        _pooled = true;
        if (_path is not null && FromFile(_path) is { } streamed)
        {
            return _loaded = streamed;
        }

        if (_path is not null && _readWhole)
        {
            return _loaded = Raw(File.ReadAllBytes(_path));
        }

        if (_bytes is not null)
        {
            return _loaded = Raw(_bytes);
        }

        _pooled = false;
        var stream = _path is not null
            ? _opened = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024)
            : _file!;
        stream.Position = 0;
        var message = MimeMessage.Load(stream, persistent: true);
        RemoveBookkeeping(message);
        return _loaded = message;
    }

    /// <summary>
    /// A message file sent from the file as it is appended: its header (up to <see cref="MaxHeaderBytes"/>) cleaned by
    /// <see cref="ForAppend(ReadOnlySpan{byte})"/> and held, the rest read from the file while MailKit sends it. Only the
    /// header is in memory, however large the batch, and no file stays open. <c>null</c> (the caller reads it whole)
    /// for a header too long or a file ending in a lone CR.
    /// </summary>
    private MimeMessage? FromFile(string path)
    {
        using var handle = File.OpenHandle(path);
        var length = RandomAccess.GetLength(handle);
        var head = ArrayPool<byte>.Shared.Rent((int)Math.Min(length, MaxHeaderBytes));
        try
        {
            var read = 0;
            var wanted = (int)Math.Min(head.Length, length);
            while (read < wanted && RandomAccess.Read(handle, head.AsSpan(read, wanted - read), read) is var n and > 0)
            {
                read += n;
            }

            var headerEnd = HeaderEnd(head.AsSpan(0, read));
            if (headerEnd < 0 && read < length)
            {
                return null;
            }

            headerEnd = headerEnd < 0 ? read : headerEnd;
            Span<byte> last = stackalloc byte[1];
            if (length > 0 && (RandomAccess.Read(handle, last, length - 1) != 1 || last[0] == (byte)'\r'))
            {
                return null;
            }

            var header = head.AsSpan(0, headerEnd);
            _rented = ArrayPool<byte>.Shared.Rent(MaxForAppendLength(header));
            var prefix = _rented.AsMemory(0, ForAppend(header, _rented));
            return headerEnd == length
                ? RawMessages.Rent(prefix)
                : RawMessages.Rent(prefix, path, headerEnd, length - headerEnd, CountBareLineFeeds(handle, headerEnd, length), newLineAtEnd: last[0] != (byte)'\n');
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(head);
        }
    }

    /// <summary>Where the body starts: after the first empty line (LF or CRLF); -1 when there is none.</summary>
    private static int HeaderEnd(ReadOnlySpan<byte> head)
    {
        var at = 0;
        while (at < head.Length)
        {
            var newline = head[at..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                return -1;
            }

            var line = head[at..(at + newline)];
            at += newline + 1;
            if (line.IsEmpty || line is [(byte)'\r'])
            {
                return at;
            }
        }

        return -1;
    }

    private static long CountBareLineFeeds(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long from, long length)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            long count = 0;
            var previous = (byte)'\n';
            for (var at = from; at < length;)
            {
                var read = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - at)), at);
                if (read == 0)
                {
                    break;
                }

                count += RawMessage.CountBareLineFeeds(buffer.AsSpan(0, read), ref previous);
                at += read;
            }

            return count;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The bytes to send, in a pooled buffer given back by <see cref="Release"/> (no large-object-heap churn per message).</summary>
    private MimeMessage Raw(ReadOnlySpan<byte> source)
    {
        _rented = ArrayPool<byte>.Shared.Rent(MaxForAppendLength(source));
        var length = ForAppend(source, _rented);
        return RawMessages.Rent(_rented.AsMemory(0, length));
    }

    /// <summary>
    /// What is appended for a message's bytes, as parsing it, removing its bookkeeping headers and writing it with
    /// <see cref="Format"/> would give: the header's <c>Status</c> and <c>X-Status</c> fields (with their folded
    /// lines) left out, every line ended by CRLF (a bare LF becomes CRLF), a last line without a newline given one.
    /// </summary>
    public static byte[] ForAppend(ReadOnlySpan<byte> source)
    {
        var output = new byte[MaxForAppendLength(source)];
        return output.AsSpan(0, ForAppend(source, output)).ToArray();
    }

    /// <summary><see cref="ForAppend(ReadOnlySpan{byte})"/> into <paramref name="output"/> (at least <see cref="MaxForAppendLength"/> long); returns the length written.</summary>
    public static int ForAppend(ReadOnlySpan<byte> source, Span<byte> output)
    {
        var length = 0;
        var inHeader = true;
        var skipping = false;
        var at = 0;
        while (at < source.Length)
        {
            var newline = source[at..].IndexOf((byte)'\n');
            var end = newline < 0 ? source.Length : at + newline;
            var line = source[at..(end > at && source[end - 1] == (byte)'\r' ? end - 1 : end)];
            at = end + 1;
            if (inHeader)
            {
                if (line.IsEmpty)
                {
                    inHeader = false;
                }
                else if (line[0] is (byte)' ' or (byte)'\t')
                {
                    if (skipping)
                    {
                        continue;
                    }
                }
                else if (skipping = IsBookkeeping(line))
                {
                    continue;
                }
            }

            line.CopyTo(output[length..]);
            length += line.Length;
            output[length++] = (byte)'\r';
            output[length++] = (byte)'\n';
        }

        return length;
    }

    /// <summary>The most <see cref="ForAppend(ReadOnlySpan{byte}, Span{byte})"/> can write for <paramref name="source"/>.</summary>
    public static int MaxForAppendLength(ReadOnlySpan<byte> source)
    {
        byte previous = 0;
        return checked(source.Length + (int)RawMessage.CountBareLineFeeds(source, ref previous) + 2);
    }

    private static bool IsBookkeeping(ReadOnlySpan<byte> line)
    {
        var colon = line.IndexOf((byte)':');
        if (colon < 0)
        {
            return false;
        }

        var name = line[..colon].TrimEnd((byte)' ');
        return System.Text.Ascii.EqualsIgnoreCase(name, "Status"u8) || System.Text.Ascii.EqualsIgnoreCase(name, "X-Status"u8);
    }

    /// <summary>Lets go of what <see cref="Load"/> made (a raw message goes back to its pool) and closes the file it opened, if any.</summary>
    public void Release()
    {
        if (_loaded is not null)
        {
            if (_pooled)
            {
                RawMessages.Return(_loaded);
            }
            else
            {
                _loaded.Dispose();
            }

            _loaded = null;
        }

        _opened?.Dispose();
        _opened = null;
        if (_rented is not null)
        {
            ArrayPool<byte>.Shared.Return(_rented);
            _rented = null;
        }
    }

    /// <summary>The message for the quarantine: a message file as it is (a retry reads its read state again), else the stored bytes.</summary>
    public async Task CopyToAsync(Stream destination, CancellationToken cancellationToken)
    {
        if (_path is not null)
        {
            await using var source = File.OpenRead(_path);
            await source.CopyToAsync(destination, cancellationToken);
        }
        else if (_file is not null)
        {
            _file.Position = 0;
            await _file.CopyToAsync(destination, cancellationToken);
        }
        else
        {
            await destination.WriteAsync(_bytes, cancellationToken);
        }
    }

    /// <summary>Closes its files (a spooled temp file is deleted).</summary>
    public void Dispose()
    {
        Release();
        _file?.Dispose();
    }

    // readpst -e (like mbox writers) records the read state in "Status: RO" (R = read) and "X-Status".
    private static MessageFlags FlagsOf(HeaderList headers)
    {
        var flags = (headers["Status"] ?? "").Contains('R', StringComparison.Ordinal) ? MessageFlags.Seen : MessageFlags.None;
        var xStatus = headers["X-Status"] ?? "";
        if (xStatus.Contains('A', StringComparison.Ordinal))
        {
            flags |= MessageFlags.Answered;
        }

        if (xStatus.Contains('F', StringComparison.Ordinal))
        {
            flags |= MessageFlags.Flagged;
        }

        return flags;
    }

    private static void RemoveBookkeeping(MimeMessage message)
    {
        message.Headers.RemoveAll("Status");
        message.Headers.RemoveAll("X-Status");
    }

    /// <summary>
    /// Message-ID + Date header; a content hash stands in when there is no Message-ID. No size and no
    /// hash of the raw bytes: readpst writes a random MIME boundary on every extraction, so the same PST
    /// message comes out a few bytes different each time.
    /// </summary>
    public static string Identity(string? messageId, DateTimeOffset? date, Func<string> contentHash)
    {
        var seconds = date?.ToUnixTimeSeconds() ?? 0;
        return messageId is not null ? $"{messageId}\n{seconds}" : $"#{contentHash()}\n{seconds}";
    }

    /// <summary>SHA-256 of the addressing headers and every leaf part's decoded content: independent of boundaries, folding and line endings.</summary>
    public static string ContentHash(MimeMessage message)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var id in new[] { HeaderId.From, HeaderId.To, HeaderId.Cc, HeaderId.Subject, HeaderId.Date })
        {
            var value = string.Join(' ', (message.Headers[id] ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(value + "\n"));
        }

        // Decoded straight into the hash: a 50 MB attachment is never held in memory.
        using var sink = new CarriageReturnStrippingHashStream(hash);
        foreach (var part in message.BodyParts.OfType<MimePart>())
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(part.ContentType.MimeType + "\n"));
            part.Content?.DecodeTo(sink);
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>The first message id of a Message-ID header, without brackets; <c>null</c> when there is none.</summary>
    public static string? NormalizeMessageId(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var parsed = MimeUtils.EnumerateReferences(raw).FirstOrDefault();
        return string.IsNullOrEmpty(parsed) ? raw.Trim() : parsed;
    }

    /// <summary>A Date header, or <c>null</c> when it is missing or cannot be parsed.</summary>
    public static DateTimeOffset? ParseDate(string? raw) =>
        raw is not null && DateUtils.TryParse(raw, out var date) ? date : null;

    /// <summary>A read/write temp file deleted when closed.</summary>
    public static FileStream CreateTempFile() =>
        new(Path.Combine(Path.GetTempPath(), $"ligbox-append-{Guid.NewGuid():N}.eml"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920,
            FileOptions.DeleteOnClose);

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.EnsureNewLine = true;
        return format;
    }

    /// <summary>Write-only: memory up to a threshold, then a temp file (the memory part moved into it).</summary>
    private sealed class SpillStream(long threshold) : Stream
    {
        private MemoryStream? _memory = new();
        private FileStream? _file;
        private long _length;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_file is null && _length + buffer.Length > threshold)
            {
                _file = CreateTempFile();
                _memory!.WriteTo(_file);
                _memory = null;
            }

            if (_file is not null)
            {
                _file.Write(buffer);
            }
            else
            {
                _memory!.Write(buffer);
            }

            _length += buffer.Length;
        }

        /// <summary>The bytes, or the file (then owned by the caller).</summary>
        public (byte[]? Bytes, FileStream? File) Detach()
        {
            var result = (_memory?.ToArray(), _file);
            _memory = null;
            _file = null;
            return result;
        }

        public override void Flush() => _file?.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _file?.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>Feeds written bytes to a hash without the CRs: the extracted file (LF) and the server's copy (CRLF) hash alike.</summary>
    private sealed class CarriageReturnStrippingHashStream(IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            foreach (var range in buffer.Split((byte)'\r'))
            {
                hash.AppendData(buffer[range]);
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
