using System.Text;

namespace Ligbox.Core.Mailboxes;

/// <summary>
/// Reads a CSV upload as strict UTF-8: invalid bytes are refused with the line they are on, instead of
/// turning silently into U+FFFD inside a login or password.
/// </summary>
public static class MailboxCsvText
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The text, or null when the stream holds more than <paramref name="maxBytes"/>.</summary>
    /// <exception cref="ValidationFailedException">The bytes are not valid UTF-8.</exception>
    public static async Task<string?> ReadAsync(Stream stream, int maxBytes, CancellationToken ct = default)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <exception cref="ValidationFailedException">The bytes are not valid UTF-8.</exception>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }

        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            var at = Math.Clamp(ex.Index, 0, bytes.Length);
            var line = bytes[..at].Count((byte)'\n') + 1;
            throw new ValidationFailedException(new Dictionary<string, string[]>
            {
                ["file"] = [$"Line {line} is not valid UTF-8 text. Save the file as UTF-8 (\"CSV UTF-8\" in spreadsheet programs) and import it again."],
            });
        }
    }
}
