using Ligbox.Core.OAuth;

namespace Ligbox.Core.Jobs;

/// <summary>
/// What a provider enforces on one side of a migration: mailboxes at once (connections per tenant), messages
/// and bytes per second per mailbox. <c>null</c> members mean no limit.
/// </summary>
public sealed record ProviderThrottle(int? MaxConcurrentMailboxes = null, double? MaxMessagesPerSecond = null, long? MaxBytesPerSecond = null)
{
    /// <summary>No limit.</summary>
    public static ProviderThrottle None { get; } = new();
}

/// <summary>
/// Settings a provider needs, chosen on the create form (or read from <c>GET /api/migration/presets</c>) and
/// copied into the form, where they stay visible and editable: a preset is a starting point, not a binding.
/// </summary>
/// <param name="Id">Stable identifier (<c>microsoft365</c>, <c>gmail</c>, ...).</param>
/// <param name="Name">What the form shows.</param>
/// <param name="Description">One sentence on what the preset sets and why.</param>
/// <param name="Host">The provider's IMAP host; <c>null</c> when each customer has their own (self-hosted servers).</param>
/// <param name="Port">IMAP port.</param>
/// <param name="Security">Transport security.</param>
/// <param name="Auth">Login mechanism; <see cref="ImapAuthMode.XOAuth2"/> for providers that refuse passwords.</param>
/// <param name="OAuthProvider">The token issuer when <paramref name="Auth"/> is XOAUTH2.</param>
/// <param name="SkipFolders">Folder patterns to leave out when this provider is the source (job's excluded folders).</param>
/// <param name="AsSource">Throttling when reading from this provider.</param>
/// <param name="AsDestination">Throttling when writing to this provider.</param>
public sealed record ProviderPreset(
    string Id,
    string Name,
    string Description,
    string? Host,
    int Port,
    ImapSecurityMode Security,
    ImapAuthMode Auth,
    OAuthProviderKind? OAuthProvider,
    IReadOnlyList<string> SkipFolders,
    ProviderThrottle AsSource,
    ProviderThrottle AsDestination);

/// <summary>The provider presets: the one place their settings are defined.</summary>
public static class ProviderPresets
{
    /// <summary>Gmail's virtual folders: every message is already in INBOX or a label folder, so copying them would copy it twice.</summary>
    public static readonly IReadOnlyList<string> GmailVirtualFolders =
    [
        "[Gmail]/All Mail", "[Gmail]/Important", "[Gmail]/Starred", "[Gmail]/Chats",
        // Accounts opened in Germany and the UK see "[Google Mail]" instead of "[Gmail]".
        "[Google Mail]/All Mail", "[Google Mail]/Important", "[Google Mail]/Starred", "[Google Mail]/Chats",
    ];

    public static readonly ProviderPreset Microsoft365 = new(
        "microsoft365", "Microsoft 365 (Exchange Online)",
        "outlook.office365.com:993 with TLS and OAuth 2.0 (Microsoft turned basic authentication off). Exchange Online throttles IMAP "
        + "per mailbox and per tenant: at most 10 mailboxes at once and 4 messages per second per mailbox (imapsync's --office2 value); "
        + "its non-mail folders (calendar, contacts, tasks, sync issues) are left out.",
        "outlook.office365.com", 993, ImapSecurityMode.Ssl, ImapAuthMode.XOAuth2, OAuthProviderKind.Microsoft,
        ["Calendar", "Calendar/*", "Contacts", "Contacts/*", "Tasks", "Notes", "Journal", "Outbox", "Sync Issues", "Sync Issues/*",
         "Conversation History", "Files"],
        AsSource: new ProviderThrottle(10, 4),
        AsDestination: new ProviderThrottle(10, 4));

    public static readonly ProviderPreset Gmail = new(
        "gmail", "Gmail / Google Workspace",
        "imap.gmail.com:993 with TLS and OAuth 2.0. All Mail, Important, Starred and Chats are left out: they show the same messages "
        + "as INBOX and the label folders, which would be copied twice. Gmail allows 2,500 MB of IMAP download and 500 MB of upload per "
        + "day and account and 15 connections per account: 40,000 bytes/s per mailbox when reading, 20,000 when writing (imapsync's --gmail1/--gmail2 values).",
        "imap.gmail.com", 993, ImapSecurityMode.Ssl, ImapAuthMode.XOAuth2, OAuthProviderKind.Google,
        GmailVirtualFolders,
        AsSource: new ProviderThrottle(10, null, 40_000),
        AsDestination: new ProviderThrottle(10, null, 20_000));

    public static readonly ProviderPreset Dovecot = new(
        "dovecot", "Dovecot / mailcow",
        "Your own Dovecot or mailcow server on port 993 with TLS and a password (or a master-user admin login); no throttling.",
        null, 993, ImapSecurityMode.Ssl, ImapAuthMode.Plain, null, [], ProviderThrottle.None, ProviderThrottle.None);

    public static readonly ProviderPreset Zimbra = new(
        "zimbra", "Zimbra",
        "Zimbra's IMAP on port 993 with TLS and a password. Zimbra lists its calendar, contacts, tasks, briefcase and chats as IMAP "
        + "folders: they are left out (use the Zimbra TGZ import for those). Zimbra caps IMAP connections per account: 4 mailboxes at once.",
        null, 993, ImapSecurityMode.Ssl, ImapAuthMode.Plain, null,
        ["Calendar", "Calendar/*", "Contacts", "Contacts/*", "Emailed Contacts", "Tasks", "Tasks/*", "Briefcase", "Briefcase/*", "Chats"],
        AsSource: new ProviderThrottle(4),
        AsDestination: new ProviderThrottle(4));

    public static readonly ProviderPreset CPanel = new(
        "cpanel", "cPanel (Dovecot)",
        "A cPanel host's Dovecot on port 993 with TLS; the login is the full e-mail address. cPanel limits IMAP connections per IP "
        + "address (20 by default): 4 mailboxes at once.",
        null, 993, ImapSecurityMode.Ssl, ImapAuthMode.Plain, null, [],
        AsSource: new ProviderThrottle(4),
        AsDestination: new ProviderThrottle(4));

    public static readonly ProviderPreset Custom = new(
        "custom", "Custom server",
        "Every field as you type it: port 993 with TLS and a password to start with, nothing skipped, no throttling.",
        null, 993, ImapSecurityMode.Ssl, ImapAuthMode.Plain, null, [], ProviderThrottle.None, ProviderThrottle.None);

    /// <summary>Every preset, in the order the form lists them.</summary>
    public static IReadOnlyList<ProviderPreset> All { get; } = [Microsoft365, Gmail, Dovecot, Zimbra, CPanel, Custom];

    /// <summary>The preset with this id (case-insensitive), or <c>null</c>.</summary>
    public static ProviderPreset? Find(string? id) =>
        All.FirstOrDefault(p => string.Equals(p.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Fills one server's host (when the provider has one), port, TLS and authentication from the preset. Fields the
    /// preset does not define (logins, admin, certificate pin) are left as they are.
    /// </summary>
    public static void ApplyTo(this ProviderPreset preset, ServerEndpointModel server)
    {
        if (preset.Host is { } host)
        {
            server.Host = host;
        }
        else if (FindByHost(server.Host) is not null)
        {
            // Switching away from a provider with its own host clears it: it would be wrong for a self-hosted server.
            server.Host = "";
        }

        server.Port = preset.Port;
        server.Security = preset.Security;
        server.Auth = preset.Auth;
    }

    /// <summary>
    /// The job options both sides' presets call for: the source preset's folders to skip (added to those already
    /// there, after taking out those of <paramref name="previousSource"/>) and, for each limit, the stricter of the
    /// source's and the destination's.
    /// </summary>
    public static void ApplyTo(JobOptionsModel options, ProviderPreset? source, ProviderPreset? destination, ProviderPreset? previousSource = null)
    {
        if (previousSource is not null && previousSource != source)
        {
            options.ExcludeFolders.RemoveAll(f => previousSource.SkipFolders.Contains(f, StringComparer.OrdinalIgnoreCase));
        }

        if (source is not null)
        {
            foreach (var folder in source.SkipFolders.Where(f => !options.ExcludeFolders.Contains(f, StringComparer.OrdinalIgnoreCase)))
            {
                options.ExcludeFolders.Add(folder);
            }
        }

        var limits = new[] { source?.AsSource, destination?.AsDestination }.OfType<ProviderThrottle>().ToList();
        options.MaxConcurrentMailboxes = limits.Select(l => l.MaxConcurrentMailboxes).OfType<int>().DefaultIfEmpty().Min() is var c and > 0 ? c : null;
        options.MaxMessagesPerSecond = limits.Select(l => l.MaxMessagesPerSecond).OfType<double>().DefaultIfEmpty().Min() is var m and > 0 ? m : null;
        options.MaxBytesPerSecond = limits.Select(l => l.MaxBytesPerSecond).OfType<long>().DefaultIfEmpty().Min() is var b and > 0 ? b : null;
    }

    /// <summary>The preset whose provider host this is (Microsoft 365, Gmail), or <c>null</c>.</summary>
    public static ProviderPreset? FindByHost(string? host) =>
        string.IsNullOrWhiteSpace(host) ? null : All.FirstOrDefault(p => string.Equals(p.Host, host.Trim(), StringComparison.OrdinalIgnoreCase));
}
