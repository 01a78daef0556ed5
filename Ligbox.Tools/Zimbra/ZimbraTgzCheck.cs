namespace Ligbox.Tools.Zimbra;

/// <summary>Result of <see cref="ZimbraTgzCheck"/>.</summary>
public enum ZimbraTgzStatus
{
    /// <summary>gzip, tar, and Zimbra <c>.meta</c> entries.</summary>
    Valid,

    /// <summary>The file does not exist.</summary>
    Missing,

    /// <summary>Does not start with the gzip magic.</summary>
    NotGzip,

    /// <summary>gzip, but the compressed data is damaged or cut.</summary>
    CorruptGzip,

    /// <summary>gzip of something that is not a tar.</summary>
    NotTar,

    /// <summary>A tar without Zimbra <c>.meta</c> entries.</summary>
    NotZimbra,
}

/// <summary>The outcome of a check, with the reason in plain words.</summary>
public sealed record ZimbraTgzCheckResult(ZimbraTgzStatus Status, string Message)
{
    public bool IsValid => Status == ZimbraTgzStatus.Valid;
}

/// <summary>
/// Checks that a file is a Zimbra TGZ before a run is queued: the gzip magic, a readable tar, and a
/// Zimbra <c>.meta</c> (JSON with <c>type</c> and <c>Path</c>) among the first entries. Reads only the
/// start of the file.
/// </summary>
public static class ZimbraTgzCheck
{
    /// <summary>The two bytes every gzip stream starts with.</summary>
    public static ReadOnlySpan<byte> GzipMagic => [0x1f, 0x8b];

    /// <summary>Zimbra writes the folder metas first; a real export shows a .meta within the first entries.</summary>
    public const int EntriesToLook = 64;

    /// <summary>Checks the file at <paramref name="path"/>.</summary>
    public static async Task<ZimbraTgzCheckResult> CheckAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            return new(ZimbraTgzStatus.Missing, "The file does not exist.");
        }

        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
        return await CheckAsync(stream, cancellationToken);
    }

    /// <summary>Checks <paramref name="stream"/> from its current position (reads a little of it).</summary>
    public static async Task<ZimbraTgzCheckResult> CheckAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        var head = new byte[2];
        var read = await stream.ReadAtLeastAsync(head, 2, throwOnEndOfStream: false, cancellationToken);
        if (read < 2 || head[0] != GzipMagic[0] || head[1] != GzipMagic[1])
        {
            return new(ZimbraTgzStatus.NotGzip, "This is not a gzip file (a Zimbra export is a .tgz: gzip-compressed tar).");
        }

        var rest = new PrefixedStream(head, stream);
        await using var reader = new ZimbraTgzReader(rest, leaveOpen: true);
        try
        {
            for (var i = 0; i < EntriesToLook; i++)
            {
                var item = await reader.ReadNextAsync(cancellationToken);
                if (item is null)
                {
                    break;
                }

                if (item.Meta is not null)
                {
                    return new(ZimbraTgzStatus.Valid, "A Zimbra TGZ export.");
                }
            }
        }
        catch (ZimbraTgzException e) when (e.Damage == ZimbraTgzDamage.Gzip)
        {
            return new(ZimbraTgzStatus.CorruptGzip, "The gzip data is damaged: the file cannot be decompressed.");
        }
        catch (ZimbraTgzException e) when (e.Damage == ZimbraTgzDamage.Truncated)
        {
            return new(ZimbraTgzStatus.CorruptGzip, "The file ends early: the TGZ is truncated.");
        }
        catch (ZimbraTgzException)
        {
            return new(ZimbraTgzStatus.NotTar, "The gzip data is not a tar archive.");
        }

        return new(ZimbraTgzStatus.NotZimbra, "The tar archive holds no Zimbra .meta entries: it is not a Zimbra export (zmmailbox getRestURL \"//?fmt=tgz\").");
    }

    /// <summary>The bytes already read, then the rest of the stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream inner) : ReadOnlyStream
    {
        private int _offset;

        public override int Read(Span<byte> buffer)
        {
            if (_offset < prefix.Length && buffer.Length > 0)
            {
                var n = Math.Min(buffer.Length, prefix.Length - _offset);
                prefix.AsSpan(_offset, n).CopyTo(buffer);
                _offset += n;
                return n;
            }

            return inner.Read(buffer);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_offset < prefix.Length && buffer.Length > 0)
            {
                return Read(buffer.Span);
            }

            return await inner.ReadAsync(buffer, cancellationToken);
        }
    }
}
