using System.Text;
using MimeKit;

namespace Ligbox.Testing.Dovecot;

/// <summary>Builds small, distinct test messages.</summary>
public static class TestMessages
{
    /// <summary>
    /// A text message. <paramref name="messageId"/>: <c>null</c> for a generated one, empty string for none at all.
    /// </summary>
    public static MimeMessage Create(string subject, string? messageId = null, string? body = null, int bodyBytes = 0)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Ana Souza", "ana@example.com"));
        message.To.Add(new MailboxAddress("Bruno Lima", "bruno@example.com"));
        message.Subject = subject;
        message.Date = new DateTimeOffset(2024, 3, 15, 10, 30, 0, TimeSpan.FromHours(-3));
        if (messageId == "")
        {
            message.Headers.Remove(HeaderId.MessageId);
        }
        else
        {
            message.MessageId = messageId ?? $"{Guid.NewGuid():N}@test.ligbox";
        }

        var text = new StringBuilder(body ?? $"Olá, this is {subject}.\r\n");
        while (text.Length < bodyBytes)
        {
            text.Append("Lorem ipsum dolor sit amet, consectetur adipiscing elit. 0123456789\r\n");
        }

        message.Body = new TextPart("plain") { Text = text.ToString() };
        return message;
    }

    /// <summary>The message serialized as the bytes an IMAP server would store (CRLF line endings).</summary>
    public static byte[] ToBytes(MimeMessage message)
    {
        using var stream = new MemoryStream();
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(options, stream);
        return stream.ToArray();
    }
}
