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
        var key = Identity(NormalizeMessageId(message.Headers[HeaderId.MessageId]), date, bytes.Length, () => Hash(bytes));
        return new PstMessage(message, bytes, flags, date, key);
    }

    /// <summary>Message-ID + Date header + size; a content hash stands in when there is no Message-ID.</summary>
    public static string Identity(string? messageId, DateTimeOffset? date, long size, Func<string> hash)
    {
        var seconds = date?.ToUnixTimeSeconds() ?? 0;
        return messageId is not null ? $"{messageId}\n{seconds}\n{size}" : $"#{hash()}\n{seconds}\n{size}";
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

    public static string Hash(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.EnsureNewLine = true;
        return format;
    }
}
