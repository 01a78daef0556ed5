using System.Text.RegularExpressions;
using Ligbox.Core.Jobs;

namespace Ligbox.Console.Components.Pages.Jobs;

/// <summary>
/// What the create form edits. The checks here are the quick ones a technician should see before
/// a round trip; the service validates again and its errors land on the same field names.
/// </summary>
public sealed partial class CreateJobForm
{
    public string Domain { get; set; } = "";
    public string? Name { get; set; }
    public string? TicketId { get; set; }
    public ServerEndpointModel Source { get; set; } = new();

    /// <summary>No source server: the job takes PST/mbox imports only.</summary>
    public bool ImportOnly { get; set; }
    public ServerEndpointModel Destination { get; set; } = new();
    public SyncEngineKind Engine { get; set; } = SyncEngineKind.Native;
    public string? Include { get; set; }
    public string? Exclude { get; set; }
    public int? MaxAgeDays { get; set; }
    public bool MirrorOnFinal { get; set; }

    [GeneratedRegex(@"^[^\s.@]+(\.[^\s.@]+)+$")]
    private static partial Regex DomainShape();

    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        var domain = Domain.Trim();
        if (domain.Length == 0)
        {
            errors["domain"] = ["Enter the customer's mail domain, e.g. example.com."];
        }
        else if (!DomainShape().IsMatch(domain))
        {
            errors["domain"] = ["That is not a domain name; enter it like example.com (no @, no spaces)."];
        }

        if (!ImportOnly)
        {
            CheckServer("source", Source, errors);
        }

        CheckServer("destination", Destination, errors);
        if (MaxAgeDays is <= 0)
        {
            errors["options.maxMessageAgeDays"] = ["Enter a positive number of days, or leave it empty to copy everything."];
        }

        return errors;
    }

    public CreateJobRequest ToRequest() => new()
    {
        Domain = Domain,
        Name = Name,
        TicketId = TicketId,
        Source = ImportOnly ? null : Source,
        Destination = Destination,
        Engine = Engine,
        Options = new JobOptionsModel { IncludeFolders = Split(Include), ExcludeFolders = Split(Exclude), MaxMessageAgeDays = MaxAgeDays, MirrorOnFinal = MirrorOnFinal },
    };

    /// <summary>Folder patterns separated by commas or line breaks.</summary>
    public static List<string> Split(string? text) =>
        (text ?? "").Split([',', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static void CheckServer(string prefix, ServerEndpointModel server, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(server.Host))
        {
            errors[$"{prefix}.host"] = ["Enter the IMAP server's host name, e.g. imap.example.com."];
        }

        if (server.Port is < 1 or > 65535)
        {
            errors[$"{prefix}.port"] = ["The port must be between 1 and 65535 (IMAP: 143, IMAPS: 993)."];
        }

        if (server.Security == ImapSecurityMode.None)
        {
            // The field is hidden without TLS: a fingerprint typed before switching TLS off is not sent.
            server.CertificateSha256 = null;
        }
        else if (!string.IsNullOrWhiteSpace(server.CertificateSha256) && !Tools.NativeImap.CertificatePin.TryNormalize(server.CertificateSha256, out _))
        {
            errors[$"{prefix}.certificateSha256"] = ["Paste the SHA-256 fingerprint as Test connection showed it: 64 hex digits (colons allowed), or leave it empty."];
        }
    }
}
