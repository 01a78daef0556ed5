using System.Security.Cryptography;
using MailKit;
using MimeKit;
using MimeKit.Utils;

namespace Ligbox.Core.Pst;

/// <summary>
/// A message ready to append: mbox bookkeeping headers removed, read state and date taken from it,
/// the exact bytes the server will store, and its identity.
/// </summary>
internal sealed record PstMessage(MimeMessage Message, byte[] Bytes, MessageFlags Flags, DateTimeOffset? Date, string Key)
{
    /// <summary>How MailKit writes an APPEND literal; the same options make our bytes and size match the server's.</summary>
    public static FormatOptions Format { get; } = CreateFormat();

    public static PstMessage Prepare(MimeMessage message)
    {
        // readpst -e (like mbox writers) records the read state in "Status: RO" (R = read) and "X-Status".
        var status = message.Headers["Status"] ?? "";
        var flags = status.Contains('R', StringComparison.Ordinal) ? MessageFlags.Seen : MessageFlags.None;
        var xStatus = message.Headers["X-Status"] ?? "";
        if (xStatus.Contains('A', StringComparison.Ordinal))
        {
            flags |= MessageFlags.Answered;
        }

        if (xStatus.Contains('F', StringComparison.Ordinal))
        {
            flags |= MessageFlags.Flagged;
        }

        message.Headers.RemoveAll("Status");
        message.Headers.RemoveAll("X-Status");
        using var buffer = new MemoryStream();
        message.WriteTo(Format, buffer);
        var bytes = buffer.ToArray();
        var date = ParseDate(message.Headers[HeaderId.Date]);
        var key = Identity(NormalizeMessageId(message.Headers[HeaderId.MessageId]), date, () => ContentHash(message));
        return new PstMessage(message, bytes, flags, date, key);
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

        using var buffer = new MemoryStream();
        foreach (var part in message.BodyParts.OfType<MimePart>())
        {
            buffer.SetLength(0);
            part.Content?.DecodeTo(buffer);
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(part.ContentType.MimeType + "\n"));
            // Line endings differ between the extracted file (LF) and what the server stores (CRLF).
            var content = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
            foreach (var line in content.Split((byte)'\r'))
            {
                hash.AppendData(content[line]);
            }
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    public static string? NormalizeMessageId(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var parsed = MimeUtils.EnumerateReferences(raw).FirstOrDefault();
        return string.IsNullOrEmpty(parsed) ? raw.Trim() : parsed;
    }

    public static DateTimeOffset? ParseDate(string? raw) =>
        raw is not null && DateUtils.TryParse(raw, out var date) ? date : null;

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.EnsureNewLine = true;
        return format;
    }
}
