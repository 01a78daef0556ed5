using System.Text.RegularExpressions;
using Ligbox.Core.Jobs;
using Microsoft.Extensions.Localization;

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

    /// <summary>The job's language (its PDF report): the person's language to start with (their profile's, else the browser's).</summary>
    public string? Language { get; set; } = Localization.ConsoleLocalization.LanguageOf(System.Globalization.CultureInfo.CurrentUICulture);
    public string? Include { get; set; }
    public string? Exclude { get; set; }
    public int? MaxAgeDays { get; set; }
    public bool MirrorOnFinal { get; set; }

    /// <summary>The provider preset chosen for each server (<see cref="ProviderPresets"/> ids), or <c>null</c>.</summary>
    public string? SourcePreset { get; private set; }
    public string? DestinationPreset { get; private set; }

    /// <summary>Throttling, as a preset fills it in (editable).</summary>
    public int? MaxConcurrentMailboxes { get; set; }
    public double? MaxMessagesPerSecond { get; set; }

    /// <summary>Kilobytes (1,000 bytes) per second per mailbox; the API takes bytes.</summary>
    public double? MaxKilobytesPerSecond { get; set; }

    /// <summary>
    /// Fills a server's host, port, TLS and authentication from a preset, and the job's folders to skip and throttling
    /// from both servers' presets (<see cref="ProviderPresets.ApplyTo(JobOptionsModel, ProviderPreset?, ProviderPreset?, ProviderPreset?)"/>).
    /// </summary>
    public void ChoosePreset(bool source, string? presetId)
    {
        var preset = ProviderPresets.Find(presetId);
        var previousSource = ProviderPresets.Find(SourcePreset);
        if (source)
        {
            SourcePreset = preset?.Id;
        }
        else
        {
            DestinationPreset = preset?.Id;
        }

        if (preset is null)
        {
            return;
        }

        preset.ApplyTo(source ? Source : Destination);
        var options = new JobOptionsModel { ExcludeFolders = Split(Exclude) };
        ProviderPresets.ApplyTo(options, ProviderPresets.Find(SourcePreset), ProviderPresets.Find(DestinationPreset), source ? previousSource : null);
        Exclude = options.ExcludeFolders.Count == 0 ? null : string.Join(", ", options.ExcludeFolders);
        MaxConcurrentMailboxes = options.MaxConcurrentMailboxes;
        MaxMessagesPerSecond = options.MaxMessagesPerSecond;
        MaxKilobytesPerSecond = options.MaxBytesPerSecond / 1000.0;
    }

    [GeneratedRegex(@"^[^\s.@]+(\.[^\s.@]+)+$")]
    private static partial Regex DomainShape();

    /// <summary>The problems per field, in the reader's language (<paramref name="L"/>).</summary>
    public Dictionary<string, string[]> Validate(IStringLocalizer<JobsText> L)
    {
        var errors = new Dictionary<string, string[]>();
        var domain = Domain.Trim();
        if (domain.Length == 0)
        {
            errors["domain"] = [L["Enter the customer's mail domain, e.g. example.com."]];
        }
        else if (!DomainShape().IsMatch(domain))
        {
            errors["domain"] = [L["That is not a domain name; enter it like example.com (no @, no spaces)."]];
        }

        if (!ImportOnly)
        {
            CheckServer(L, "source", Source, errors);
        }

        CheckServer(L, "destination", Destination, errors);
        if (MaxAgeDays is <= 0)
        {
            errors["options.maxMessageAgeDays"] = [L["Enter a positive number of days, or leave it empty to copy everything."]];
        }

        if (MaxConcurrentMailboxes is < 1 or > 1000)
        {
            errors["options.maxConcurrentMailboxes"] = [L["Enter 1 to 1000 mailboxes at once, or leave it empty for no job limit."]];
        }

        if (MaxMessagesPerSecond is <= 0)
        {
            errors["options.maxMessagesPerSecond"] = [L["Enter a positive number of messages per second, or leave it empty for no limit."]];
        }

        if (MaxKilobytesPerSecond is < 0.001)
        {
            errors["options.maxBytesPerSecond"] = [L["Enter a positive number of kilobytes per second, or leave it empty for no limit."]];
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
        Language = Language,
        Options = new JobOptionsModel
        {
            IncludeFolders = Split(Include),
            ExcludeFolders = Split(Exclude),
            MaxMessageAgeDays = MaxAgeDays,
            MirrorOnFinal = MirrorOnFinal,
            MaxConcurrentMailboxes = MaxConcurrentMailboxes,
            MaxMessagesPerSecond = MaxMessagesPerSecond,
            MaxBytesPerSecond = MaxKilobytesPerSecond is { } kb ? (long)Math.Round(kb * 1000) : null,
        },
    };

    /// <summary>Folder patterns separated by commas or line breaks.</summary>
    public static List<string> Split(string? text) =>
        (text ?? "").Split([',', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static void CheckServer(IStringLocalizer<JobsText> L, string prefix, ServerEndpointModel server, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(server.Host))
        {
            errors[$"{prefix}.host"] = [L["Enter the IMAP server's host name, e.g. imap.example.com."]];
        }

        if (server.Port is < 1 or > 65535)
        {
            errors[$"{prefix}.port"] = [L["The port must be between 1 and 65535 (IMAP: 143, IMAPS: 993)."]];
        }

        if (server.Security == ImapSecurityMode.None)
        {
            // The field is hidden without TLS: a fingerprint typed before switching TLS off is not sent.
            server.CertificateSha256 = null;
        }
        else if (!string.IsNullOrWhiteSpace(server.CertificateSha256) && !Tools.NativeImap.CertificatePin.TryNormalize(server.CertificateSha256, out _))
        {
            errors[$"{prefix}.certificateSha256"] = [L["Paste the SHA-256 fingerprint as Test connection showed it: 64 hex digits (colons allowed), or leave it empty."]];
        }
    }
}
