using System.Globalization;

namespace Ligbox.Tools.Doveadm;

/// <summary>Where <c>doveadm backup</c> pulls from: a remote IMAP server through Dovecot's imapc storage.</summary>
/// <param name="Host">Remote IMAP host.</param>
/// <param name="Port">Remote port.</param>
/// <param name="User">Remote login.</param>
/// <param name="Ssl"><c>imaps</c> (implicit TLS), <c>starttls</c> or <c>null</c> for plain.</param>
public sealed record ImapcSource(string Host, int Port, string User, string? Ssl = null);

/// <summary>
/// Builds doveadm argument lists (the Dovecot-to-Dovecot path). Only argument building: run them with
/// <see cref="Processes.IProcessRunner"/>.
/// </summary>
/// <remarks>
/// The imapc password is deliberately not a parameter: <c>-o imapc_password=...</c> would put it in the
/// process list. Supply it through the Dovecot configuration file given in <c>configFile</c>.
/// </remarks>
public static class DoveadmCommands
{
    /// <summary>Fields <c>mailbox status</c> asks for by default.</summary>
    public static readonly IReadOnlyList<string> DefaultStatusFields = ["messages", "vsize", "uidnext", "uidvalidity"];

    /// <summary><c>doveadm [-c cfg] -f tab mailbox status -u USER "FIELDS" MASK</c>: per-mailbox counts as a tab table with a header line.</summary>
    public static IReadOnlyList<string> MailboxStatus(string user, string mailboxMask = "*", IEnumerable<string>? fields = null, string? configFile = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(user);
        ArgumentException.ThrowIfNullOrWhiteSpace(mailboxMask);
        var args = Global(configFile);
        args.AddRange(["-f", "tab", "mailbox", "status", "-u", user, string.Join(' ', fields ?? DefaultStatusFields), mailboxMask]);
        return args;
    }

    /// <summary>
    /// <c>doveadm [-c cfg] -o imapc_host=.. -o imapc_port=.. -o imapc_user=.. [-o imapc_ssl=..] backup -R -u USER imapc:</c>:
    /// makes the local mailbox of <paramref name="user"/> an exact copy of the remote one (reverse backup, pulling).
    /// </summary>
    public static IReadOnlyList<string> BackupFromImapc(string user, ImapcSource source, string? configFile = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(user);
        ArgumentNullException.ThrowIfNull(source);
        var args = Global(configFile);
        args.AddRange(["-o", $"imapc_host={source.Host}", "-o", $"imapc_port={source.Port.ToString(CultureInfo.InvariantCulture)}", "-o", $"imapc_user={source.User}"]);
        if (source.Ssl is { } ssl)
        {
            args.AddRange(["-o", $"imapc_ssl={ssl}"]);
        }

        args.AddRange(["backup", "-R", "-u", user, "imapc:"]);
        return args;
    }

    private static List<string> Global(string? configFile) => configFile is null ? [] : ["-c", configFile];
}
