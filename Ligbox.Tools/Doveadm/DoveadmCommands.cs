using System.Globalization;

namespace Ligbox.Tools.Doveadm;

/// <summary>Where <c>doveadm backup</c> pulls from: a remote IMAP server through Dovecot's imapc storage.</summary>
/// <param name="Host">Remote IMAP host.</param>
/// <param name="Port">Remote port.</param>
/// <param name="User">Remote login.</param>
/// <param name="Ssl"><c>imaps</c> (implicit TLS), <c>starttls</c> or <c>null</c> for plain.</param>
public sealed record ImapcSource(string Host, int Port, string User, string? Ssl = null);

/// <summary>Builds doveadm argument lists (the Dovecot-to-Dovecot path).</summary>
public static class DoveadmCommands
{
    /// <summary>Fields <c>mailbox status</c> asks for by default.</summary>
    public static readonly IReadOnlyList<string> DefaultStatusFields = ["messages", "vsize", "uidnext", "uidvalidity"];

    /// <summary>
    /// <c>doveadm [-c cfg] -f tab mailbox status -u USER "FIELDS" MASK</c>: one tab-separated row per
    /// mailbox after a header line (doveadm orders the columns itself).
    /// </summary>
    public static IReadOnlyList<string> MailboxStatus(string user, string mailboxMask = "*", IEnumerable<string>? fields = null, string? configFile = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(user);
        ArgumentException.ThrowIfNullOrWhiteSpace(mailboxMask);
        var args = Global(configFile);
        args.AddRange(["-f", "tab", "mailbox", "status", "-u", user, string.Join(' ', fields ?? DefaultStatusFields), mailboxMask]);
        return args;
    }

    /// <summary>
    /// <c>doveadm -c CFG -o imapc_host=.. -o imapc_port=.. -o imapc_user=.. [-o imapc_ssl=..] backup -R -u USER imapc:</c>:
    /// makes the local mailbox of <paramref name="user"/> an exact copy of the remote one (pulling).
    /// </summary>
    /// <remarks>
    /// There is no password parameter on purpose: <c>-o imapc_password=...</c> would show in the process
    /// list. <see cref="PrepareBackupFromImapc"/> puts it in a private config file instead.
    /// </remarks>
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

    /// <summary>
    /// Prepares a <c>doveadm backup</c> from imapc with the password in a private 0600 config file that
    /// includes <paramref name="baseConfigFile"/> and sets <c>imapc_password</c>. Dispose the result to
    /// delete that file.
    /// </summary>
    /// <param name="user">Local (destination) user.</param>
    /// <param name="source">The remote IMAP account.</param>
    /// <param name="password">The remote password (one line).</param>
    /// <param name="baseConfigFile">The Dovecot configuration to include, e.g. <c>/etc/dovecot/dovecot.conf</c>.</param>
    /// <param name="workDirectory">Where to create the private file; the system temp directory when <c>null</c>.</param>
    /// <exception cref="ArgumentException">The password is empty or contains a line break or a double quote.</exception>
    public static DoveadmCommand PrepareBackupFromImapc(string user, ImapcSource source, string password, string baseConfigFile, string? workDirectory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseConfigFile);
        if (string.IsNullOrEmpty(password) || password.IndexOfAny(['\r', '\n', '"']) >= 0)
        {
            // One quoted value in a Dovecot config line: a line break or quote would end it early.
            throw new ArgumentException("The imapc password is empty or contains a line break or a double quote.", nameof(password));
        }

        var configFile = Path.Combine(Path.GetFullPath(workDirectory ?? Path.GetTempPath()), $"ligbox-doveadm-{Guid.NewGuid():N}.conf");
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(new FileStream(configFile, fileOptions)))
        {
            writer.Write($"!include {Path.GetFullPath(baseConfigFile)}\nimapc_password = \"{password.Replace("\\", "\\\\", StringComparison.Ordinal)}\"\n");
        }

        return new DoveadmCommand(BackupFromImapc(user, source, configFile), configFile, [password]);
    }

    private static List<string> Global(string? configFile) => configFile is null ? [] : ["-c", configFile];
}

/// <summary>A prepared doveadm invocation with a private config file; disposing deletes the file.</summary>
public sealed class DoveadmCommand : IDisposable
{
    internal DoveadmCommand(IReadOnlyList<string> arguments, string privateConfigFile, IReadOnlyCollection<string> secrets)
    {
        Arguments = arguments;
        PrivateConfigFile = privateConfigFile;
        Secrets = secrets;
    }

    /// <summary>The argv for doveadm (no password in it).</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>The 0600 config file holding the password.</summary>
    public string PrivateConfigFile { get; }

    /// <summary>The secrets of this command, for <see cref="Processes.SecretRedactor"/>.</summary>
    public IReadOnlyCollection<string> Secrets { get; }

    /// <summary>Deletes the private config file.</summary>
    public void Dispose() => File.Delete(PrivateConfigFile);
}
