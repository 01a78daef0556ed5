using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Ligbox.Console.Security;

/// <summary><c>Ligbox:Security</c>: how often an open page re-reads its user, and HSTS.</summary>
public sealed class WebSecurityOptions
{
    public const string Section = "Ligbox:Security";

    /// <summary>An open page re-reads its user's state (enabled, lockout, roles, security stamp) this often.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "Ligbox:Security:RevalidationInterval must be between 1 s and 5 min.")]
    public TimeSpan RevalidationInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>Strict-Transport-Security</c> max-age sent on HTTPS answers (directly or from a known proxy).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "730.00:00:00", ErrorMessage = "Ligbox:Security:HstsMaxAge must be between 0 and 730 days.")]
    public TimeSpan HstsMaxAge { get; set; } = TimeSpan.FromDays(365);
}

/// <summary><c>Ligbox:ForwardedHeaders</c>: the reverse proxies whose X-Forwarded-For/Proto are believed.</summary>
public sealed class ForwardedHeadersSettings : IValidatableObject
{
    public const string Section = "Ligbox:ForwardedHeaders";

    /// <summary>Proxy addresses, e.g. <c>10.0.0.5</c>. Loopback is always trusted.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Proxy networks in CIDR notation, e.g. <c>172.16.0.0/12</c>.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in KnownProxies.Where(p => !IPAddress.TryParse(p, out _)))
        {
            yield return new ValidationResult($"Ligbox:ForwardedHeaders:KnownProxies: '{proxy}' is not an IP address.");
        }

        foreach (var network in KnownNetworks.Where(n => !System.Net.IPNetwork.TryParse(n, out _)))
        {
            yield return new ValidationResult($"Ligbox:ForwardedHeaders:KnownNetworks: '{network}' is not a CIDR network such as 10.0.0.0/8.");
        }
    }
}

/// <summary><c>Ligbox:SignIn</c>: sign-in attempts allowed per client address and per account in each window.</summary>
public sealed class SignInLimitOptions
{
    public const string Section = "Ligbox:SignIn";

    [Range(1, 100_000, ErrorMessage = "Ligbox:SignIn:PermitsPerAddress must be between 1 and 100000.")]
    public int PermitsPerAddress { get; set; } = 10;

    [Range(1, 100_000, ErrorMessage = "Ligbox:SignIn:PermitsPerAccount must be between 1 and 100000.")]
    public int PermitsPerAccount { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Ligbox:SignIn:Window must be between 1 s and 1 day.")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
