namespace Ligbox.Tools.Zimbra;

/// <summary>
/// Zimbra's tar writer marks its headers POSIX ustar (<c>ustar\0</c>) but leaves the version field as two
/// NULs instead of <c>"00"</c>; System.Formats.Tar refuses such a header ("A POSIX format was expected").
/// This stream walks the tar block by block (a header, then its data rounded up to 512 bytes) and, in
/// each header with that quirk, writes <c>"00"</c> and the checksum that goes with it. Everything else
/// passes through untouched, data blocks without copying, so the tar stays a stream.
/// </summary>
internal sealed class UstarHeaderFixStream(Stream inner) : ReadOnlyStream
{
    private const int Block = 512;
    private const int SizeOffset = 124;
    private const int ChecksumOffset = 148;
    private const int MagicOffset = 257;
    private const int VersionOffset = 263;

    private readonly byte[] _header = new byte[Block];
    private int _headerPosition = Block;
    private int _headerLength = Block;
    private long _dataRemaining;

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_headerPosition < _headerLength)
        {
            return FromHeader(buffer);
        }

        if (_dataRemaining > 0)
        {
            var read = inner.Read(buffer[..(int)Math.Min(buffer.Length, _dataRemaining)]);
            _dataRemaining -= read;
            return read;
        }

        var got = inner.ReadAtLeast(_header, Block, throwOnEndOfStream: false);
        if (got == 0)
        {
            return 0;
        }

        StartHeader(got);
        return FromHeader(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_headerPosition < _headerLength)
        {
            return FromHeader(buffer.Span);
        }

        if (_dataRemaining > 0)
        {
            var read = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _dataRemaining)], cancellationToken);
            _dataRemaining -= read;
            return read;
        }

        var got = await inner.ReadAtLeastAsync(_header, Block, throwOnEndOfStream: false, cancellationToken);
        if (got == 0)
        {
            return 0;
        }

        StartHeader(got);
        return FromHeader(buffer.Span);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Fixes the header just read (a short read at the end is passed on as it is: the tar reader reports the cut).</summary>
    internal void StartHeader(int length)
    {
        _headerPosition = 0;
        _headerLength = length;
        if (length < Block || _header.AsSpan().IndexOfAnyExcept((byte)0) < 0)
        {
            _dataRemaining = 0;
            return;
        }

        _dataRemaining = (DataSize(_header) + Block - 1) / Block * Block;
        Fix(_header);
    }

    /// <summary>Writes "00" into the version of a <c>ustar\0</c> header whose version is two NULs, and its checksum.</summary>
    internal static void Fix(Span<byte> header)
    {
        if (!header.Slice(MagicOffset, 6).SequenceEqual("ustar\0"u8) || header[VersionOffset] != 0 || header[VersionOffset + 1] != 0)
        {
            return;
        }

        header[VersionOffset] = (byte)'0';
        header[VersionOffset + 1] = (byte)'0';
        var sum = 0;
        for (var i = 0; i < Block; i++)
        {
            sum += i is >= ChecksumOffset and < ChecksumOffset + 8 ? ' ' : header[i];
        }

        // Six octal digits, NUL, space: what tar writes.
        var digits = Convert.ToString(sum, 8).PadLeft(6, '0');
        for (var i = 0; i < 6; i++)
        {
            header[ChecksumOffset + i] = (byte)digits[i];
        }

        header[ChecksumOffset + 6] = 0;
        header[ChecksumOffset + 7] = (byte)' ';
    }

    /// <summary>The entry's data size: octal text, or GNU base-256 when the high bit of the first byte is set.</summary>
    private static long DataSize(ReadOnlySpan<byte> header)
    {
        var field = header.Slice(SizeOffset, 12);
        if ((field[0] & 0x80) != 0)
        {
            long value = field[0] & 0x7f;
            for (var i = 1; i < field.Length; i++)
            {
                value = (value << 8) | field[i];
            }

            return value;
        }

        long size = 0;
        foreach (var b in field)
        {
            if (b is >= (byte)'0' and <= (byte)'7')
            {
                size = size * 8 + (b - '0');
            }
            else if (size > 0 && b is 0 or (byte)' ')
            {
                break;
            }
        }

        return size;
    }

    private int FromHeader(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _headerLength - _headerPosition);
        _header.AsSpan(_headerPosition, n).CopyTo(buffer);
        _headerPosition += n;
        return n;
    }
}
