using System.Text;

namespace Ligbox.Console.Uploads;

/// <summary>The tus Upload-Metadata header: comma-separated "key base64(value)" pairs; the value may be absent.</summary>
internal static class TusMetadata
{
    // Metadata is small (filename, filetype, mailboxId, jobId); a cap keeps the JSON file small too.
    public const int MaxHeaderLength = 8192;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool TryParse(string? header, out Dictionary<string, string?> metadata, out string? error)
    {
        metadata = new Dictionary<string, string?>(StringComparer.Ordinal);
        error = null;
        if (string.IsNullOrWhiteSpace(header))
        {
            return true;
        }

        if (header.Length > MaxHeaderLength)
        {
            error = $"Upload-Metadata is longer than {MaxHeaderLength} characters.";
            return false;
        }

        foreach (var pair in header.Split(',', StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length is 0 or > 2)
            {
                error = $"Upload-Metadata pair '{pair}' is not 'key base64value'.";
                return false;
            }

            string? value = null;
            if (parts.Length == 2)
            {
                try
                {
                    value = StrictUtf8.GetString(Convert.FromBase64String(parts[1]));
                }
                catch (Exception ex) when (ex is FormatException or ArgumentException)
                {
                    error = $"Upload-Metadata value of '{parts[0]}' is not base64-encoded UTF-8.";
                    return false;
                }
            }

            if (!metadata.TryAdd(parts[0], value))
            {
                error = $"Upload-Metadata key '{parts[0]}' appears more than once.";
                return false;
            }
        }

        return true;
    }

    public static string Format(IReadOnlyDictionary<string, string?> metadata) =>
        string.Join(",", metadata.Select(pair => pair.Value is null
            ? pair.Key
            : pair.Key + " " + Convert.ToBase64String(Encoding.UTF8.GetBytes(pair.Value))));
}
