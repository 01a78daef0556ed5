using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Ligbox.Core.Uploads;

/// <summary>A parsed tus Upload-Checksum header: "&lt;algorithm&gt; &lt;base64 digest&gt;".</summary>
public sealed class UploadChecksum
{
    /// <summary>Algorithms advertised in Tus-Checksum-Algorithm, in that order.</summary>
    public static readonly IReadOnlyList<string> SupportedAlgorithms = ["sha1", "md5", "sha256"];

    private UploadChecksum(string algorithm, HashAlgorithmName hashName, byte[] expected)
    {
        Algorithm = algorithm;
        HashName = hashName;
        Expected = expected;
    }

    public string Algorithm { get; }

    public HashAlgorithmName HashName { get; }

    public byte[] Expected { get; }

    public static bool TryParse(string? header, [NotNullWhen(true)] out UploadChecksum? checksum, out string? error)
    {
        checksum = null;
        error = null;
        var parts = (header ?? "").Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
        {
            error = "Upload-Checksum must be '<algorithm> <base64 digest>'.";
            return false;
        }

        var algorithm = parts[0].ToLowerInvariant();
        HashAlgorithmName? name = algorithm switch
        {
            "sha1" => HashAlgorithmName.SHA1,
            "md5" => HashAlgorithmName.MD5,
            "sha256" => HashAlgorithmName.SHA256,
            _ => null,
        };
        if (name is null)
        {
            error = $"Checksum algorithm '{parts[0]}' is not supported; use one of {string.Join(", ", SupportedAlgorithms)}.";
            return false;
        }

        byte[] expected;
        try
        {
            expected = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            error = "The Upload-Checksum digest is not valid base64.";
            return false;
        }

        checksum = new UploadChecksum(algorithm, name.Value, expected);
        return true;
    }
}
