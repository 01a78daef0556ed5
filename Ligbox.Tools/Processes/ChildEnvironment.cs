using System.Collections;

namespace Ligbox.Tools.Processes;

/// <summary>
/// The environment a child process (readpst, imapsync, doveadm) gets: only what programs need to run
/// (PATH, locale, HOME, TMPDIR, time zone, TLS trust, Perl's module path), never the console's
/// configuration (<c>Ligbox__*</c>, <c>ASPNETCORE_*</c>, <c>DOTNET_*</c>) or anything that looks like a secret.
/// </summary>
public static class ChildEnvironment
{
    private static readonly HashSet<string> Allowed = new(StringComparer.Ordinal)
    {
        "PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "HOME", "TMPDIR", "TZ", "USER", "LOGNAME",
        "SSL_CERT_FILE", "SSL_CERT_DIR", "PERL5LIB",
    };

    /// <summary>
    /// Every inherited variable that is not allowed maps to null (CliWrap removes those), then the spec's own
    /// variables are added as given.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> For(IReadOnlyDictionary<string, string?> extra)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && !IsAllowed(name))
            {
                result[name] = null;
            }
        }

        foreach (var (name, value) in extra)
        {
            result[name] = value;
        }

        return result;
    }

    public static bool IsAllowed(string name) =>
        Allowed.Contains(name)
        && !name.Contains("TOKEN", StringComparison.OrdinalIgnoreCase)
        && !name.Contains("PASSWORD", StringComparison.OrdinalIgnoreCase)
        && !name.Contains("SECRET", StringComparison.OrdinalIgnoreCase);
}
