namespace Ligbox.Tools.Readpst;

/// <summary>Result of <see cref="PstSignature.Check"/>.</summary>
public enum PstSignatureStatus
{
    /// <summary>Starts with the PST/OST magic <c>!BDN</c>.</summary>
    Valid,

    /// <summary>The file does not exist.</summary>
    Missing,

    /// <summary>Shorter than a PST header.</summary>
    TooShort,

    /// <summary>Some other file type.</summary>
    NotPst,
}

/// <summary>Checks a file's PST signature before handing it to readpst.</summary>
public static class PstSignature
{
    /// <summary>The four bytes every PST/OST file starts with.</summary>
    public static ReadOnlySpan<byte> Magic => "!BDN"u8;

    // The smallest header (ANSI PST) is 512 bytes; anything shorter cannot be a PST.
    private const int MinimumHeaderLength = 512;

    /// <summary>Reads the start of <paramref name="path"/> and says whether it looks like a PST.</summary>
    /// <remarks>A valid signature does not prove the file is complete: a truncated PST passes this check and fails in readpst.</remarks>
    public static PstSignatureStatus Check(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            return PstSignatureStatus.Missing;
        }

        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[4];
        if (stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length)
        {
            return PstSignatureStatus.TooShort;
        }

        if (!head.SequenceEqual(Magic))
        {
            return PstSignatureStatus.NotPst;
        }

        return stream.Length < MinimumHeaderLength ? PstSignatureStatus.TooShort : PstSignatureStatus.Valid;
    }
}
