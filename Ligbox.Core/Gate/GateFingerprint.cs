using System.Text.Json;
using Ligbox.Core.Jobs;
using Ligbox.Core.Localization;

namespace Ligbox.Core.Gate;

/// <summary>One mailbox as an approval saw it.</summary>
public sealed record GateFingerprintMailbox(Guid Id, string Login, string DestinationLogin, string? Prefix, int CredentialsVersion, bool Excluded, Guid? FinalRunId);

/// <summary>
/// What an approval approved: the job's servers, engine and options, and every mailbox with its credentials
/// version, exclusion and the final run whose figures were shown. Stored on the gate at approval; any
/// difference later revokes the approval, and <see cref="Changes"/> says what changed in words.
/// </summary>
public sealed record GateFingerprint(string Source, string Destination, string Engine, string Options, double Threshold,
    IReadOnlyList<GateFingerprintMailbox> Mailboxes)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static GateFingerprint Of(MigrationJob job, IReadOnlyDictionary<Guid, Guid> finalRunByMailbox) =>
        Of(job, job.Mailboxes.Select(m => new GateFingerprintMailbox(m.Id, m.SourceLogin, m.DestinationLogin, m.DestinationFolderPrefix,
            m.CredentialsVersion, m.Excluded, null)), finalRunByMailbox);

    /// <summary>The fingerprint of the job's settings and of <paramref name="mailboxes"/> (their <c>FinalRunId</c> is taken from <paramref name="finalRunByMailbox"/>).</summary>
    public static GateFingerprint Of(MigrationJob job, IEnumerable<GateFingerprintMailbox> mailboxes, IReadOnlyDictionary<Guid, Guid> finalRunByMailbox) => new(
        job.HasSource ? Describe(job.Source) : "none (PST/mbox imports only)",
        Describe(job.Destination),
        job.Engine.ToString(),
        OptionsOf(job.Options),
        job.GateThreshold,
        mailboxes.OrderBy(m => m.Id).Select(m => m with { FinalRunId = finalRunByMailbox.TryGetValue(m.Id, out var run) ? run : null }).ToList());

    /// <summary>
    /// The options that decide what is migrated (folders, mappings, date window, mirroring), in the shape approvals
    /// have always stored: throttling (mailboxes at once, rates) changes how fast, not what, so it neither revokes an
    /// approval nor makes one given before it existed look changed.
    /// </summary>
    public static string OptionsOf(JobOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return JsonSerializer.Serialize(new { options.IncludeFolders, options.ExcludeFolders, options.FolderMappings, options.MaxMessageAgeDays, options.MirrorOnFinal }, Json);
    }

    /// <summary>
    /// A server as the approval saw it: address, TLS, authentication, and (only when set, so approvals made before
    /// these settings existed still hold) the trusted certificate and the admin login with a digest of its stored
    /// secret: pinning another certificate or giving the admin login a new password changes what was approved.
    /// </summary>
    private static string Describe(ServerEndpoint server)
    {
        var text = server + " " + server.Auth;
        if (server.CertificateSha256 is { Length: > 0 } pin)
        {
            text += " trusting certificate " + Tools.NativeImap.CertificatePin.Display(pin);
        }

        if (!string.IsNullOrEmpty(server.AdminLogin))
        {
            var secret = server.AdminSecretProtected is { Length: > 0 } protectedSecret
                ? Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(protectedSecret)))[..12]
                : "none";
            text += $" with admin login {server.AdminLogin} ({server.AdminMode}, password {secret})";
        }

        return text;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static GateFingerprint? FromJson(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<GateFingerprint>(json, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>What differs from <paramref name="approved"/>, one sentence each ("mailbox x@y was added after the approval").</summary>
    public IReadOnlyList<string> Changes(GateFingerprint approved)
    {
        var changes = new List<string>();
        if (Source != approved.Source)
        {
            changes.Add(CoreText.English("the source server changed from {0} to {1} after the approval", approved.Source, Source));
        }

        if (Destination != approved.Destination)
        {
            changes.Add(CoreText.English("the destination server changed from {0} to {1} after the approval", approved.Destination, Destination));
        }

        if (Engine != approved.Engine)
        {
            changes.Add(CoreText.English("the engine changed from {0} to {1} after the approval", approved.Engine, Engine));
        }

        if (Options != approved.Options)
        {
            changes.Add(CoreText.English("the job's folder options (include, exclude, mapping, date window) changed after the approval"));
        }

        if (Math.Abs(Threshold - approved.Threshold) > 1e-9)
        {
            changes.Add(CoreText.English("the gate threshold changed after the approval"));
        }

        var before = approved.Mailboxes.ToDictionary(m => m.Id);
        var now = Mailboxes.ToDictionary(m => m.Id);
        foreach (var m in Mailboxes.Where(m => !before.ContainsKey(m.Id)).OrderBy(m => m.Login, StringComparer.Ordinal))
        {
            changes.Add(CoreText.English("mailbox {0} was added after the approval", m.Login));
        }

        foreach (var m in approved.Mailboxes.Where(m => !now.ContainsKey(m.Id)).OrderBy(m => m.Login, StringComparer.Ordinal))
        {
            changes.Add(CoreText.English("mailbox {0} was removed after the approval", m.Login));
        }

        foreach (var m in Mailboxes.Where(m => before.ContainsKey(m.Id)).OrderBy(m => m.Login, StringComparer.Ordinal))
        {
            var old = before[m.Id];
            if (m.Excluded != old.Excluded)
            {
                changes.Add(m.Excluded ? CoreText.English("mailbox {0} was excluded from the job after the approval", m.Login) : CoreText.English("mailbox {0} was included in the job again after the approval", m.Login));
            }

            if (m.CredentialsVersion != old.CredentialsVersion)
            {
                changes.Add(m.Login != old.Login
                    ? CoreText.English("mailbox {0} was renamed to {1} after the approval", old.Login, m.Login)
                    : CoreText.English("the login or password of mailbox {0} was changed after the approval", m.Login));
            }

            if (m.Prefix != old.Prefix)
            {
                changes.Add(CoreText.English("the folder prefix of mailbox {0} changed after the approval", m.Login));
            }

            if (!m.Excluded && m.FinalRunId != old.FinalRunId)
            {
                changes.Add(CoreText.English("a newer final sync of mailbox {0} replaced the one that was approved", m.Login));
            }
        }

        return changes;
    }
}
