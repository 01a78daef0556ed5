using System.Security.Cryptography;
using MailKit;
using MimeKit;
using MimeKit.Utils;

namespace Ligbox.Tools.NativeImap;

/// <summary>
/// What makes two messages "the same" across servers when UIDs cannot tell: Message-ID + INTERNALDATE +
/// size (so two different messages sharing a Message-ID are both kept), or a SHA-256 of the content
/// when there is no Message-ID.
/// </summary>
internal static class MessageIdentity
{
    public static string? MessageId(IMessageSummary summary)
    {
        var raw = summary.Headers?[HeaderId.MessageId];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var parsed = MimeUtils.EnumerateReferences(raw).FirstOrDefault();
        return string.IsNullOrEmpty(parsed) ? raw.Trim() : parsed;
    }

    public static string Key(string? messageId, string? contentHash, DateTimeOffset? internalDate, ulong? size)
    {
        var date = internalDate?.ToUnixTimeSeconds() ?? 0;
        return messageId is not null ? $"{messageId}\n{date}\n{size}" : $"#{contentHash}\n{date}\n{size}";
    }

    public static async Task<string> HashAsync(Stream stream, CancellationToken cancellationToken)
    {
        var hash = await SHA256.HashDataAsync(stream, cancellationToken);
        return Convert.ToHexString(hash);
    }
}
