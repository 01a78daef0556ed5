using System.Globalization;

namespace Ligbox.Tools.Doveadm;

/// <summary>Where <c>doveadm backup</c> pulls from: a remote IMAP server through Dovecot's imapc storage.</summary>
/// <param name="Host">Remote IMAP host.</param>
/// <param name="Port">Remote port.</param>
/// <param name="User">Remote login.</param>
/// <param name="Ssl"><c>imaps</c> (implicit TLS), <c>starttls</c> or <c>null</c> for plain.</param>
/// <param name="TrustedCertificateFile">
/// A PEM file with the one certificate the job pinned (<c>ssl_client_ca_file</c>): imapc then trusts that certificate
/// besides the authorities it trusts anyway. Certificates are always verified (Dovecot's default <c>imapc_ssl_verify=yes</c> is never turned off).
/// </param>
public sealed record ImapcSource(string Host, int Port, string User, string? Ssl = null, string? TrustedCertificateFile = null);

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
    /// <param name="user">Local (destination) user.</param>
    /// <param name="source">The remote IMAP account.</param>
    /// <param name="configFile">The config file for <c>-c</c> (the private one holding the password).</param>
    /// <param name="notBefore">Only messages received at or after this instant (<c>-t</c>, a UNIX time), or all.</param>
    /// <param name="excludeMasks">Mailbox masks to leave out (<c>-x</c>; <c>*</c> and <c>?</c> wildcards).</param>
    public static IReadOnlyList<string> BackupFromImapc(string user, ImapcSource source, string? configFile = null, DateTimeOffset? notBefore = null, IEnumerable<string>? excludeMasks = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(user);
        ArgumentNullException.ThrowIfNull(source);
        var args = Global(configFile);
        args.AddRange(ImapcOptions(source));
        args.AddRange(["backup", "-R", "-u", user]);
        if (notBefore is { } since)
        {
            args.AddRange(["-t", since.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)]);
        }

        foreach (var mask in excludeMasks ?? [])
        {
            args.AddRange(["-x", mask]);
        }

        args.Add("imapc:");
        return args;
    }

    /// <summary><c>doveadm [-c CFG] user USER</c>: exit 0 when the local Dovecot knows the user, 67 when not.</summary>
    public static IReadOnlyList<string> User(string user, string? configFile = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(user);
        var args = Global(configFile);
        args.AddRange(["user", user]);
        return args;
    }

    /// <summary>
    /// <c>doveadm [-c CFG] -f tab fetch -u USER "mailbox date.received.unixtime size.virtual flags hdr.message-id" ALL</c>:
    /// one row per message of every mailbox, to compare with the source.
    /// </summary>
    public static IReadOnlyList<string> FetchIdentities(string user, string? configFile = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(user);
        var args = Global(configFile);
        args.AddRange(["-f", "tab", "fetch", "-u", user, "mailbox date.received.unixtime size.virtual flags hdr.message-id", "ALL"]);
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
    /// <param name="notBefore">See <see cref="BackupFromImapc"/>.</param>
    /// <param name="excludeMasks">See <see cref="BackupFromImapc"/>.</param>
    public static DoveadmCommand PrepareBackupFromImapc(string user, ImapcSource source, string password, string baseConfigFile, string? workDirectory = null,
        DateTimeOffset? notBefore = null, IEnumerable<string>? excludeMasks = null)
    {
        var configFile = WritePrivateConfig(password, baseConfigFile, workDirectory);
        return new DoveadmCommand(BackupFromImapc(user, source, configFile, notBefore, excludeMasks), configFile, [password]);
    }

    /// <summary>
    /// The password goes into a 0600 file that <c>!include</c>s the real configuration: doveadm reads it with
    /// <c>-c</c>, so it is in neither argv (<c>/proc/PID/cmdline</c>, readable by every user) nor the environment.
    /// Dovecot 2.3 unescapes <c>\</c> in a quoted value and expands no <c>$</c> or <c>%</c> there.
    /// </summary>
    private static string WritePrivateConfig(string password, string baseConfigFile, string? workDirectory)
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

        return configFile;
    }

    private static List<string> ImapcOptions(ImapcSource source)
    {
        List<string> args = ["-o", $"imapc_host={source.Host}", "-o", $"imapc_port={source.Port.ToString(CultureInfo.InvariantCulture)}", "-o", $"imapc_user={source.User}"];
        if (source.Ssl is { } ssl)
        {
            args.AddRange(["-o", $"imapc_ssl={ssl}"]);
            // imapc_ssl_verify is yes by default: never turned off here.
            if (source.TrustedCertificateFile is { } pinned)
            {
                args.AddRange(["-o", $"ssl_client_ca_file={pinned}"]);
            }
        }

        return args;
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
