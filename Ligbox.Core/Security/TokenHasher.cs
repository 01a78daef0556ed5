using System.Security.Cryptography;
using System.Text;

namespace Ligbox.Core.Security;

/// <summary>
/// API tokens are random 256-bit secrets; storing their SHA-256 is enough (no salt or slow hash
/// needed for high-entropy secrets) and lets a bearer be looked up by hash.
/// </summary>
public static class TokenHasher
{
    public const string TokenPrefix = "lgbx_";

    public static string NewToken() =>
        TokenPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static string DisplayPrefix(string token) => token.Length <= 12 ? token : token[..12];
}
