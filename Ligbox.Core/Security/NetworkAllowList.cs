using System.Net;

namespace Ligbox.Core.Security;

/// <summary><c>Ligbox:Network</c>: which IMAP servers the console may connect to.</summary>
public sealed class NetworkOptions
{
    /// <summary>
    /// Empty: any host. Otherwise patterns, each with an optional <c>:port</c>: <c>imap.example.com</c>,
    /// <c>*.example.com</c> (sub-domains), <c>10.0.0.0/8</c> (a network, for hosts written as addresses), <c>*</c>.
    /// Hosts are matched as written in the job (no DNS lookup).
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];
}

/// <summary>Checks a server against <c>Ligbox:Network:AllowedHosts</c> (pre-flight, runs, job settings): issue 12.</summary>
public static class NetworkAllowList
{
    public const string Setting = "Ligbox:Network:AllowedHosts";

    /// <summary>Null when allowed (or no list is configured), else a sentence naming the setting.</summary>
    public static string? Problem(IReadOnlyList<string> patterns, string what, string? host, int port)
    {
        if (patterns.Count == 0 || IsAllowed(patterns, host ?? "", port))
        {
            return null;
        }

        return $"The {what} {host}:{port} is not in the allowed servers ({Setting}: {string.Join(", ", patterns)}). " +
               "Use an allowed server, or ask an admin to add it.";
    }

    public static bool IsAllowed(IReadOnlyList<string> patterns, string host, int port)
    {
        host = host.Trim().TrimEnd('.').ToLowerInvariant();
        foreach (var raw in patterns)
        {
            var (pattern, patternPort) = SplitPort(raw.Trim().ToLowerInvariant());
            if (patternPort is { } p && p != port)
            {
                continue;
            }

            if (pattern == "*" || pattern == host
                || (pattern.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(pattern[1..], StringComparison.Ordinal))
                || (pattern.Contains('/', StringComparison.Ordinal) && System.Net.IPNetwork.TryParse(pattern, out var network)
                    && IPAddress.TryParse(host.Trim('[', ']'), out var address) && network.Contains(address)))
            {
                return true;
            }
        }

        return false;
    }

    public static bool IsValidPattern(string raw)
    {
        var (pattern, _) = SplitPort(raw.Trim());
        return pattern.Length > 0 && (pattern == "*" || !pattern.Contains('/', StringComparison.Ordinal) || System.Net.IPNetwork.TryParse(pattern, out _));
    }

    private static (string Pattern, int? Port) SplitPort(string raw)
    {
        var colon = raw.LastIndexOf(':');
        return colon > 0 && raw.IndexOf(':') == colon && int.TryParse(raw[(colon + 1)..], out var port)
            ? (raw[..colon], port)
            : (raw, null);
    }
}
