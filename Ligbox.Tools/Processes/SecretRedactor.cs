using System.Text.RegularExpressions;

namespace Ligbox.Tools.Processes;

/// <summary>
/// Removes credentials from a line of tool output or from an argument list before it is logged,
/// shown or persisted. Pattern-based (password options, IMAP <c>LOGIN</c>/<c>AUTHENTICATE</c>,
/// <c>key=value</c> secrets, bearer tokens, URL user-info) plus, when known, the literal secrets of
/// the current run, which catches a password however a tool chose to print it.
/// </summary>
/// <remarks>
/// Stateless and line-based: a SASL exchange that sends its payload on a continuation line of its
/// own is only caught through the literal secrets (or its base64 form), not by pattern.
/// </remarks>
public static partial class SecretRedactor
{
    /// <summary>What a secret is replaced with (the word imapsync itself uses).</summary>
    public const string Mask = "MASKED";

    // Options whose value is a secret (imapsync, doveadm and generic spellings).
    private static readonly HashSet<string> SecretOptions = new(StringComparer.OrdinalIgnoreCase)
    {
        "--password", "--password1", "--password2", "--oauthaccesstoken1", "--oauthaccesstoken2",
        "--oauthdirect1", "--oauthdirect2", "--token", "--secret", "--client-secret", "-p",
    };

    [GeneratedRegex("""(?<opt>--(?:password[12]?|oauthaccesstoken[12]|oauthdirect[12]|token|secret|client-secret))(?<sep>=|\s+)(?<val>"[^"]*"|'[^']*'|\S+)""", RegexOptions.IgnoreCase)]
    private static partial Regex OptionPattern();

    // IMAP LOGIN command: <tag> LOGIN <user> <password>. The tag must contain a digit so prose such
    // as "will try to use LOGIN authentication on host1" is left alone.
    [GeneratedRegex("""(?<head>(?:^|[\s:>])(?=[A-Za-z.]*\d)[A-Za-z0-9.]+\s+LOGIN\s+(?:"(?:[^"\\]|\\.)*"|\{\d+\+?\}|\S+)\s+)(?<val>"(?:[^"\\]|\\.)*"|\{\d+\+?\}|\S+)""", RegexOptions.IgnoreCase)]
    private static partial Regex LoginPattern();

    // AUTHENTICATE <MECH> <initial response> (SASL-IR) and XOAUTH2/OAUTHBEARER payloads.
    [GeneratedRegex("""(?<head>\bAUTHENTICATE\s+[A-Z0-9_-]+\s+)(?<val>[A-Za-z0-9+/=._-]+)""")]
    private static partial Regex AuthenticatePattern();

    [GeneratedRegex("""(?<head>\b(?:[A-Za-z_]*_)?(?:password|passwd|pwd|secret|token|apikey|api_key|access_token|refresh_token|client_secret)\s*[=:]\s*)(?<val>"[^"]*"|'[^']*'|[^\s,;&]+)""", RegexOptions.IgnoreCase)]
    private static partial Regex KeyValuePattern();

    [GeneratedRegex("""(?<head>\b(?:Bearer|Basic)\s+)(?<val>[A-Za-z0-9._~+/=-]{8,})""", RegexOptions.IgnoreCase)]
    private static partial Regex BearerPattern();

    [GeneratedRegex("""(?<head>\b[a-z][a-z0-9+.-]*://[^\s:/@]+:)(?<val>[^\s@/]+)(?=@)""", RegexOptions.IgnoreCase)]
    private static partial Regex UrlUserInfoPattern();

    /// <summary>Redacts one line.</summary>
    /// <param name="line">A line of output or log text.</param>
    /// <param name="knownSecrets">Literal secrets of the current run (passwords, tokens); each occurrence is masked.</param>
    /// <returns>The line with every secret replaced by <see cref="Mask"/>.</returns>
    public static string Redact(string line, IReadOnlyCollection<string>? knownSecrets = null)
    {
        if (string.IsNullOrEmpty(line))
        {
            return line;
        }

        var result = line;
        if (knownSecrets is not null)
        {
            foreach (var secret in knownSecrets)
            {
                // Very short "secrets" would mask ordinary words; they are caught by the patterns only.
                if (secret.Length >= 3)
                {
                    result = result.Replace(secret, Mask, StringComparison.Ordinal);
                    var base64 = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(secret));
                    result = result.Replace(base64, Mask, StringComparison.Ordinal);
                }
            }
        }

        result = OptionPattern().Replace(result, m => $"{m.Groups["opt"].Value}{m.Groups["sep"].Value}{Mask}");
        result = LoginPattern().Replace(result, MaskValue);
        result = AuthenticatePattern().Replace(result, MaskValue);
        result = KeyValuePattern().Replace(result, MaskValue);
        result = BearerPattern().Replace(result, MaskValue);
        result = UrlUserInfoPattern().Replace(result, MaskValue);
        return result;
    }

    /// <summary>Redacts an argument list, e.g. before logging the command line of a run.</summary>
    /// <param name="arguments">The argv list.</param>
    /// <param name="knownSecrets">Literal secrets of the current run.</param>
    /// <returns>A copy with secret option values and secret-bearing elements masked.</returns>
    public static IReadOnlyList<string> RedactArguments(IEnumerable<string> arguments, IReadOnlyCollection<string>? knownSecrets = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var redacted = new List<string>();
        var maskNext = false;
        foreach (var argument in arguments)
        {
            if (maskNext)
            {
                redacted.Add(Mask);
                maskNext = false;
                continue;
            }

            maskNext = SecretOptions.Contains(argument);
            redacted.Add(maskNext ? argument : Redact(argument, knownSecrets));
        }

        return redacted;
    }

    private static string MaskValue(Match match) =>
        match.Groups["val"].Value == Mask ? match.Value : match.Groups["head"].Value + Mask;
}
