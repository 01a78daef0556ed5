using MimeKit;
using MimeKit.IO;

namespace Ligbox.Tools.NativeImap;

/// <summary>
/// A fetched message handed to MailKit's APPEND as the bytes the source sent, without MimeKit parsing it and
/// writing it out again. MailKit appends only a <see cref="MimeMessage"/> and writes every literal twice (once to
/// measure its length, once to send it); a parsed 25 MB message cost a parse and two formatted copies, a 5 KB one
/// about a fifth of the engine's CPU. Here the message has no headers of its own and its body is a
/// <see cref="RawPart"/> that writes the bytes as they are: measuring costs nothing, sending is one copy.
/// </summary>
/// <remarks>
/// The only change made to the bytes is the one MailKit's formatting would make: a line feed without a carriage
/// return before it becomes CRLF (IMAP literals are CRLF; Dovecot and most servers already send CRLF, so nothing
/// changes). No newline is added at the end: the message stays byte-exact.
/// </remarks>
internal static class RawMessage
{
    // MimeMessage.WriteTo writes a blank line before the body unless the message was parsed ("loose") and its body
    // had no blank line before it (only ExperimentalMimeParser records that). So a template of one header and no
    // blank line is parsed, with parser options that make its (text/plain) body a RawPart; the template's header is
    // then removed and the message writes exactly what RawPart writes. RawMessageTests pins this down against the
    // MimeKit in use.
    private static readonly byte[] Template = "X-Raw: 1\r\n"u8.ToArray();
    private static readonly ParserOptions TemplateOptions = CreateTemplateOptions();

    /// <summary>A message that writes <paramref name="bytes"/>; the caller keeps them.</summary>
    public static MimeMessage Create(ReadOnlyMemory<byte> bytes) => Attach(CreateEmpty(), bytes);

    /// <summary>A message that writes the whole of <paramref name="file"/> (its bare LFs were counted as it was written); the caller keeps it.</summary>
    public static MimeMessage Create(SpoolFile file) => Attach(CreateEmpty(), file);

    private static MimeMessage CreateEmpty()
    {
        using var template = new MemoryStream(Template, writable: false);
        var message = new ExperimentalMimeParser(TemplateOptions, template).ParseMessage();
        message.Headers.Clear();
        return message;
    }

    private static MimeMessage Attach(MimeMessage message, ReadOnlyMemory<byte> bytes)
    {
        byte previous = 0;
        Part(message).Attach(bytes, null, CountBareLineFeeds(bytes.Span, ref previous));
        return message;
    }

    private static MimeMessage Attach(MimeMessage message, SpoolFile file)
    {
        Part(message).Attach(null, file, file.BareLineFeeds);
        return message;
    }

    private static RawPart Part(MimeMessage message) => (RawPart)message.Body!;

    /// <summary>
    /// Messages made by <see cref="RawMessage"/>, kept for the next APPEND instead of made again: a
    /// <see cref="MimeMessage"/> with its parser costs ~10 KB of allocations (address lists, header tables, the
    /// parser's buffer), twice the body of a typical 5 KB message, and that churn is what the GC's budget grows on.
    /// Thread-safe; keeps at most <paramref name="capacity"/> messages (the rest are disposed).
    /// </summary>
    internal sealed class Pool(int capacity)
    {
        private readonly FreeList<MimeMessage> _free = new(capacity);

        /// <summary>Messages waiting for reuse.</summary>
        public int Count => _free.Count;

        /// <summary>A message that writes <paramref name="bytes"/>; <see cref="Return"/> it after the APPEND.</summary>
        public MimeMessage Rent(ReadOnlyMemory<byte> bytes) => Attach(Take(), bytes);

        /// <summary>A message that writes the whole of <paramref name="file"/>; <see cref="Return"/> it after the APPEND.</summary>
        public MimeMessage Rent(SpoolFile file) => Attach(Take(), file);

        /// <summary>
        /// A message that writes <paramref name="prefix"/> (CRLF lines), then <paramref name="count"/> bytes of the file at
        /// <paramref name="path"/> from <paramref name="offset"/>, opened and read as they are sent (its bare LFs, counted
        /// with a LF before the first byte, become CRLF), then a CRLF when <paramref name="newLineAtEnd"/>: a message file
        /// appended without being held in memory or kept open. <see cref="Return"/> it after the APPEND.
        /// </summary>
        public MimeMessage Rent(ReadOnlyMemory<byte> prefix, string path, long offset, long count, long bareLineFeeds, bool newLineAtEnd)
        {
            var message = Take();
            Part(message).Attach(prefix, path, offset, count, bareLineFeeds, newLineAtEnd);
            return message;
        }

        /// <summary>Takes a message back; it lets go of its bytes or file (the caller still owns them).</summary>
        public void Return(MimeMessage message)
        {
            Part(message).Attach(null, null, 0);
            if (!_free.TryGive(message))
            {
                message.Dispose();
            }
        }

        private MimeMessage Take() => _free.TryTake(out var message) ? message : CreateEmpty();
    }

    private static ParserOptions CreateTemplateOptions()
    {
        var options = ParserOptions.Default.Clone();
        options.RegisterMimeType("text/plain", typeof(RawPart));
        return options;
    }

    /// <summary>Line feeds in <paramref name="data"/> without a carriage return before them; <paramref name="previous"/> is the byte before it and becomes its last.</summary>
    public static long CountBareLineFeeds(ReadOnlySpan<byte> data, ref byte previous)
    {
        long count = 0;
        var start = 0;
        while (true)
        {
            var i = data[start..].IndexOf((byte)'\n');
            if (i < 0)
            {
                break;
            }

            var at = start + i;
            var before = at == 0 ? previous : data[at - 1];
            if (before != (byte)'\r')
            {
                count++;
            }

            start = at + 1;
        }

        if (data.Length > 0)
        {
            previous = data[^1];
        }

        return count;
    }

    /// <summary>The body of a message made by <see cref="RawMessage"/>: no headers, writes the raw bytes.</summary>
    internal sealed class RawPart : MimePart
    {
        private const int ChunkSize = 81920;
        private ReadOnlyMemory<byte>? _bytes;
        private long _bareLineFeeds;
        private ReadOnlyMemory<byte> _prefix;
        private SpoolFile? _spool;
        private string? _path;
        private long _offset;
        private long _count;
        private bool _newLineAtEnd;

        /// <summary>Made by the parser (<see cref="ParserOptions.RegisterMimeType"/>).</summary>
        public RawPart(MimeEntityConstructorArgs args) : base(args)
        {
        }

        public void Attach(ReadOnlyMemory<byte>? bytes, SpoolFile? file, long bareLineFeeds)
        {
            (_bytes, _bareLineFeeds, _spool) = (bytes, bareLineFeeds, file);
            (_prefix, _path, _offset, _count, _newLineAtEnd) = (default, null, 0, file?.Length ?? 0, false);
        }

        public void Attach(ReadOnlyMemory<byte> prefix, string path, long offset, long count, long bareLineFeeds, bool newLineAtEnd)
        {
            (_bytes, _bareLineFeeds, _spool) = (null, bareLineFeeds, null);
            (_prefix, _path, _offset, _count, _newLineAtEnd) = (prefix, path, offset, count, newLineAtEnd);
        }

        /// <summary>Whether the part has bytes or a file to write (a message back in its pool has neither).</summary>
        public bool IsAttached => _bytes.HasValue || _spool is not null || _path is not null;

        /// <summary>The literal's length: the bytes plus a CR for every bare LF.</summary>
        public long Length => (_bytes?.Length ?? (_prefix.Length + _count + (_newLineAtEnd ? 2 : 0))) + _bareLineFeeds;

        public override void Prepare(EncodingConstraint constraint, int maxLineLength = 78)
        {
            // The bytes go as they are.
        }

        public override void WriteTo(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
        {
            if (stream is MeasuringStream)
            {
                // MailKit's first pass only wants the length.
                stream.SetLength(stream.Position + Length);
                stream.Seek(0, SeekOrigin.End);
                return;
            }

            if (_bytes is { } bytes && _bareLineFeeds == 0)
            {
                stream.Write(bytes.Span);
                return;
            }

            var (buffer, converted) = RentBuffers();
            using var opened = _path is null ? null : File.OpenHandle(_path);
            try
            {
                stream.Write(_prefix.Span);
                var previous = _prefix.Length > 0 ? _prefix.Span[^1] : (byte)0;
                for (long done = 0; done < Total;)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var read = _bytes is { } source
                        ? CopyChunk(source, done, buffer)
                        : Checked(RandomAccess.Read(opened ?? _spool!.Handle, buffer.AsSpan(0, NextChunk(done)), _offset + done));
                    stream.Write(Chunk(buffer, read, converted, ref previous).Span);
                    done += read;
                }

                if (_newLineAtEnd)
                {
                    stream.Write(CrLf.Span);
                }
            }
            finally
            {
                ReturnBuffers(buffer, converted);
            }
        }

        public override async Task WriteToAsync(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
        {
            if (stream is MeasuringStream)
            {
                WriteTo(options, stream, contentOnly, cancellationToken);
                return;
            }

            if (_bytes is { } bytes && _bareLineFeeds == 0)
            {
                await stream.WriteAsync(bytes, cancellationToken);
                return;
            }

            var (buffer, converted) = RentBuffers();
            using var opened = _path is null ? null : File.OpenHandle(_path, options: FileOptions.Asynchronous);
            try
            {
                await stream.WriteAsync(_prefix, cancellationToken);
                var previous = _prefix.Length > 0 ? _prefix.Span[^1] : (byte)0;
                for (long done = 0; done < Total;)
                {
                    var read = _bytes is { } source
                        ? CopyChunk(source, done, buffer)
                        : Checked(await RandomAccess.ReadAsync(opened ?? _spool!.Handle, buffer.AsMemory(0, NextChunk(done)), _offset + done, cancellationToken));
                    await stream.WriteAsync(Chunk(buffer, read, converted, ref previous), cancellationToken);
                    done += read;
                }

                if (_newLineAtEnd)
                {
                    await stream.WriteAsync(CrLf, cancellationToken);
                }
            }
            finally
            {
                ReturnBuffers(buffer, converted);
            }
        }

        /// <summary>The bytes (or the file's part) to write, before the bare LFs get their CR.</summary>
        private long Total => _bytes?.Length ?? _count;

        private int NextChunk(long done) => (int)Math.Min(ChunkSize, Total - done);

        private int CopyChunk(ReadOnlyMemory<byte> source, long done, byte[] buffer)
        {
            var read = NextChunk(done);
            source.Span.Slice((int)done, read).CopyTo(buffer);
            return read;
        }

        private static int Checked(int read) =>
            read > 0 ? read : throw new IOException("The message file became shorter while it was being appended.");

        /// <summary>A chunk as it is written: as read, or with a CR put before each bare LF into the second buffer.</summary>
        private static ReadOnlyMemory<byte> Chunk(byte[] buffer, int read, byte[]? converted, ref byte previous) =>
            converted is null ? buffer.AsMemory(0, read) : converted.AsMemory(0, Convert(buffer.AsSpan(0, read), converted, ref previous));

        private (byte[] Buffer, byte[]? Converted) RentBuffers() =>
            (System.Buffers.ArrayPool<byte>.Shared.Rent(ChunkSize), _bareLineFeeds > 0 ? System.Buffers.ArrayPool<byte>.Shared.Rent(2 * ChunkSize) : null);

        private static void ReturnBuffers(byte[] buffer, byte[]? converted)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            if (converted is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(converted);
            }
        }

        private static readonly ReadOnlyMemory<byte> CrLf = "\r\n"u8.ToArray();

        /// <summary><paramref name="chunk"/> into <paramref name="output"/> with a CR before each bare LF; returns the length written.</summary>
        private static int Convert(ReadOnlySpan<byte> chunk, Span<byte> output, ref byte previous)
        {
            var length = 0;
            var start = 0;
            while (start < chunk.Length)
            {
                var i = chunk[start..].IndexOf((byte)'\n');
                if (i < 0)
                {
                    break;
                }

                var at = start + i;
                chunk[start..at].CopyTo(output[length..]);
                length += at - start;
                if ((at == 0 ? previous : chunk[at - 1]) != (byte)'\r')
                {
                    output[length++] = (byte)'\r';
                }

                output[length++] = (byte)'\n';
                start = at + 1;
            }

            chunk[start..].CopyTo(output[length..]);
            length += chunk.Length - start;
            if (chunk.Length > 0)
            {
                previous = chunk[^1];
            }

            return length;
        }
    }
}
