using System.Formats.Tar;
using System.IO.Compression;

namespace Ligbox.Tools.Zimbra;

/// <summary>
/// One item of a Zimbra TGZ: its <c>.meta</c> and, when the export has one, its content entry (the
/// <c>.eml</c> of a message, the file of a briefcase document, the <c>.ics</c>-like blob of an appointment).
/// <see cref="Content"/> is a view on the archive stream: read it before asking the reader for the next item.
/// </summary>
public sealed class ZimbraTgzItem
{
    /// <summary>The tar name of the <c>.meta</c> (<c>null</c> for a content entry without one).</summary>
    public string? MetaEntryName { get; init; }

    /// <summary>The parsed <c>.meta</c>; <c>null</c> when missing or unreadable (<see cref="Problem"/> says why).</summary>
    public ZimbraMeta? Meta { get; init; }

    /// <summary>Why <see cref="Meta"/> is missing or the content is not whole; <c>null</c> when all is well.</summary>
    public string? Problem { get; init; }

    /// <summary>The tar name of the content entry (<c>Inbox!1/0000000261-Test.eml</c>), if any.</summary>
    public string? ContentEntryName { get; init; }

    /// <summary>The content, valid until the next <see cref="ZimbraTgzReader.ReadNextAsync"/>; <c>null</c> for meta-only items (contacts, folders).</summary>
    public Stream? Content { get; init; }

    /// <summary>The content entry's length in the tar.</summary>
    public long ContentLength { get; init; }

    /// <summary>The tar group-name field, where Zimbra writes the item type (<c>message</c>, <c>contact</c>, ...).</summary>
    public string? TarGroup { get; init; }

    /// <summary>The item type from the meta, else from the tar group name.</summary>
    public ZimbraItemType Type => Meta?.Type ?? TarGroup switch
    {
        "message" => ZimbraItemType.Message,
        "contact" => ZimbraItemType.Contact,
        "appointment" => ZimbraItemType.Appointment,
        "task" => ZimbraItemType.Task,
        "document" => ZimbraItemType.Document,
        "folder" => ZimbraItemType.Folder,
        _ => ZimbraItemType.Unknown,
    };

    /// <summary>
    /// The content is shorter than the size the meta announces: the blob was cut (a damaged store or an
    /// interrupted export). Such a message must not be imported as if it were whole.
    /// </summary>
    public bool IsTruncated => Meta is { Size: > 0 } meta && Content is not null && ContentLength < meta.Size;
}

/// <summary>What is wrong with a TGZ that cannot be read on.</summary>
public enum ZimbraTgzDamage
{
    /// <summary>The gzip layer failed: not gzip, or damaged compressed data.</summary>
    Gzip,

    /// <summary>The decompressed data is not a (valid) tar.</summary>
    Tar,

    /// <summary>The file ends early.</summary>
    Truncated,
}

/// <summary>The TGZ cannot be read on (damaged gzip, not a tar, ends early).</summary>
public sealed class ZimbraTgzException(ZimbraTgzDamage damage, string message, Exception? inner = null) : Exception(message, inner)
{
    public ZimbraTgzDamage Damage { get; } = damage;
}

/// <summary>
/// Reads a Zimbra TGZ export (<c>zmmailbox getRestURL "//?fmt=tgz"</c>) as a stream: gzip and tar are
/// decoded on the fly, one entry at a time, so neither the file nor a whole message is held in memory
/// by the reader. Each <c>.meta</c> is paired with the content entry that follows it.
/// </summary>
public sealed class ZimbraTgzReader : IAsyncDisposable, IDisposable
{
    /// <summary>A <c>.meta</c> is one line of JSON; anything larger is not one.</summary>
    public const int MaxMetaBytes = 1024 * 1024;

    private readonly CountingStream _counted;
    private readonly GZipStream _gzip;
    private readonly TarReader _tar;
    private TarEntry? _pending;
    private bool _ended;
    private int _items;

    /// <summary>Reads from <paramref name="compressed"/> (the <c>.tgz</c> bytes; any readable stream, seekable or not).</summary>
    public ZimbraTgzReader(Stream compressed, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        _counted = new CountingStream(compressed, leaveOpen);
        _gzip = new GZipStream(_counted, CompressionMode.Decompress);
        _tar = new TarReader(new UstarHeaderFixStream(new GzipGuardStream(_gzip)));
    }

    /// <summary>Compressed bytes read so far (progress against the file size).</summary>
    public long BytesRead => _counted.BytesRead;

    /// <summary>The next item, or <c>null</c> at the end of the archive.</summary>
    /// <exception cref="ZimbraTgzException">The archive is damaged or ends early; the items before were good.</exception>
    public async ValueTask<ZimbraTgzItem?> ReadNextAsync(CancellationToken cancellationToken = default)
    {
        var entry = _pending ?? await NextFileAsync(cancellationToken);
        _pending = null;
        if (entry is null)
        {
            return null;
        }

        _items++;
        if (!entry.Name.EndsWith(".meta", StringComparison.Ordinal))
        {
            // Content without its .meta: counted, never dropped silently.
            return new ZimbraTgzItem
            {
                ContentEntryName = entry.Name,
                Content = entry.DataStream,
                ContentLength = entry.Length,
                TarGroup = Group(entry),
                Problem = "content without a .meta before it",
            };
        }

        ZimbraMeta? meta = null;
        string? problem = null;
        if (entry.Length > MaxMetaBytes)
        {
            problem = $"the .meta is {entry.Length:N0} bytes, too large to be one";
        }
        else
        {
            try
            {
                var json = new byte[entry.Length];
                if (entry.DataStream is { } data)
                {
                    await data.ReadExactlyAsync(json, cancellationToken);
                }

                meta = ZimbraMetaParser.Parse(json);
            }
            catch (ZimbraMetaException e)
            {
                problem = e.Message;
            }
            catch (Exception e) when (IsDamage(e))
            {
                throw Damaged(e);
            }
        }

        var contentName = entry.Name[..^".meta".Length];
        var next = await NextFileAsync(cancellationToken);
        if (next is not null && next.Name == contentName)
        {
            var item = new ZimbraTgzItem
            {
                MetaEntryName = entry.Name,
                Meta = meta,
                ContentEntryName = next.Name,
                Content = next.DataStream ?? Stream.Null,
                ContentLength = next.Length,
                TarGroup = Group(entry),
                Problem = problem,
            };
            return item.IsTruncated && problem is null
                ? new ZimbraTgzItem
                {
                    MetaEntryName = item.MetaEntryName,
                    Meta = meta,
                    ContentEntryName = item.ContentEntryName,
                    Content = item.Content,
                    ContentLength = item.ContentLength,
                    TarGroup = item.TarGroup,
                    Problem = $"truncated: {next.Length:N0} of {meta!.Size:N0} bytes in the export",
                }
                : item;
        }

        _pending = next;
        return new ZimbraTgzItem
        {
            MetaEntryName = entry.Name,
            Meta = meta,
            TarGroup = Group(entry),
            Problem = problem ?? (meta is not null && ZimbraItemTypes.IsMail(meta.Type) ? "the message has no content in the export" : null),
        };
    }

    private async ValueTask<TarEntry?> NextFileAsync(CancellationToken cancellationToken)
    {
        while (!_ended)
        {
            TarEntry? entry;
            try
            {
                entry = await _tar.GetNextEntryAsync(copyData: false, cancellationToken);
            }
            catch (Exception e) when (IsDamage(e))
            {
                throw Damaged(e);
            }

            if (entry is null)
            {
                _ended = true;
                return null;
            }

            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile)
            {
                return entry;
            }
        }

        return null;
    }

    private static string? Group(TarEntry entry) => entry is PosixTarEntry posix && posix.GroupName.Length > 0 ? posix.GroupName : null;

    /// <summary>Whether <paramref name="e"/> is the archive's fault (gzip, tar, early end) rather than ours.</summary>
    private static bool IsDamage(Exception e) =>
        e is InvalidDataException or EndOfStreamException or FormatException or ArgumentOutOfRangeException or GzipDamageException;

    private ZimbraTgzException Damaged(Exception e) => e switch
    {
        EndOfStreamException => new(ZimbraTgzDamage.Truncated, $"The TGZ ends early (the file is truncated) after {_items:N0} entries.", e),
        GzipDamageException => new(ZimbraTgzDamage.Gzip, $"The gzip data is damaged after {_items:N0} entries: {e.InnerException?.Message}", e),
        _ => new(ZimbraTgzDamage.Tar, $"The archive is not a valid tar after {_items:N0} entries: {e.Message}", e),
    };

    public async ValueTask DisposeAsync()
    {
        await _tar.DisposeAsync();
        await _gzip.DisposeAsync();
        await _counted.DisposeAsync();
    }

    public void Dispose()
    {
        _tar.Dispose();
        _gzip.Dispose();
        _counted.Dispose();
    }

    /// <summary>Raised by <see cref="GzipGuardStream"/> so a gzip fault is told apart from a tar fault.</summary>
    private sealed class GzipDamageException(Exception inner) : IOException(inner.Message, inner);

    /// <summary>The decompressed stream, with gzip faults marked as such.</summary>
    private sealed class GzipGuardStream(GZipStream inner) : ReadOnlyStream
    {

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return inner.Read(buffer);
            }
            catch (InvalidDataException e)
            {
                throw new GzipDamageException(e);
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }
            catch (InvalidDataException e)
            {
                throw new GzipDamageException(e);
            }
        }
    }

    /// <summary>Counts the compressed bytes read, for progress on a stream that cannot tell its position (SSH).</summary>
    private sealed class CountingStream(Stream inner, bool leaveOpen) : ReadOnlyStream
    {
        public long BytesRead { get; private set; }
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Counted(inner.Read(buffer));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Counted(await inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Counted(await inner.ReadAsync(buffer, cancellationToken));

        protected override void Dispose(bool disposing)
        {
            if (disposing && !leaveOpen)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private int Counted(int read)
        {
            BytesRead += read;
            return read;
        }
    }
}
