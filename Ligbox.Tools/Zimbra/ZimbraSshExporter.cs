using System.Net.Sockets;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Ligbox.Tools.Zimbra;

/// <summary>How to reach a Zimbra server over SSH (the account that may run <c>zmmailbox</c>, usually <c>zimbra</c>).</summary>
/// <param name="Host">The server.</param>
/// <param name="Port">The SSH port.</param>
/// <param name="User">The SSH user.</param>
/// <param name="PrivateKey">An OpenSSH/PEM private key (text), or <c>null</c> to use <paramref name="Password"/>.</param>
/// <param name="Password">The password when there is no key (also the key's passphrase when both are given).</param>
/// <param name="HostKeySha256">The pinned host key fingerprint (<c>SHA256:...</c> as <c>ssh-keygen -lf</c> prints it); <c>null</c> refuses every host key (probe it first).</param>
/// <param name="Zmmailbox">The <c>zmmailbox</c> command on the server.</param>
public sealed record ZimbraSshTarget(string Host, int Port, string User, string? PrivateKey, string? Password, string? HostKeySha256,
    string Zmmailbox = ZimbraSshTarget.DefaultZmmailbox)
{
    public const string DefaultZmmailbox = "/opt/zimbra/bin/zmmailbox";

    /// <summary>Never the secrets.</summary>
    public override string ToString() => $"{User}@{Host}:{Port}";
}

/// <summary>Which step of an SSH export or login check failed.</summary>
public enum ZimbraSshFailure
{
    Other,

    /// <summary>The server cannot be reached.</summary>
    Unreachable,

    /// <summary>The host key is not confirmed yet or differs from the confirmed one.</summary>
    HostKey,

    /// <summary>The private key cannot be read.</summary>
    UnreadableKey,

    /// <summary>The server refused the user with the key or password given.</summary>
    Login,

    /// <summary>zmmailbox is not found (or not executable) for the SSH user.</summary>
    Zmmailbox,
}

/// <summary>An SSH step failed; the message is plain words for the technician (no secret in it); <see cref="Failure"/> says which step.</summary>
public sealed class ZimbraSshException(string message, Exception? inner = null, ZimbraSshFailure failure = ZimbraSshFailure.Other) : Exception(message, inner)
{
    public ZimbraSshFailure Failure { get; } = failure;
}

/// <summary>
/// Exports mailboxes from a Zimbra server over SSH (SSH.NET): runs <c>zmmailbox -z -m ACCOUNT getRestURL
/// "//?fmt=tgz"</c> (with <c>&amp;query=...</c> for a delta window) and hands its output over as a stream as
/// it arrives, so the import reads the TGZ while the server writes it. The host key must match the pinned
/// fingerprint (trust on first use: <see cref="ProbeHostKeyAsync"/> shows it for confirmation).
/// </summary>
public sealed class ZimbraSshExporter
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Connects without logging in far enough to trust anything and returns the server's host key fingerprint (<c>SHA256:...</c>) for the technician to confirm.</summary>
    /// <exception cref="ZimbraSshException">The server cannot be reached.</exception>
    public async Task<string> ProbeHostKeyAsync(string host, int port, CancellationToken cancellationToken = default)
    {
        string? seen = null;
        using var client = new SshClient(new ConnectionInfo(host, port, "ligbox-probe", new NoneAuthenticationMethod("ligbox-probe")) { Timeout = ConnectTimeout });
        client.HostKeyReceived += (_, e) =>
        {
            seen = "SHA256:" + e.FingerPrintSHA256;
            e.CanTrust = false; // nothing is sent after the key exchange
        };
        try
        {
            await client.ConnectAsync(cancellationToken);
        }
        catch (Exception ex) when (seen is not null && ex is SshConnectionException or SshException)
        {
            return seen;
        }
        catch (Exception ex) when (ex is SocketException or SshException or TimeoutException)
        {
            throw new ZimbraSshException($"Cannot reach the SSH server {host}:{port}: {ex.Message}", ex, ZimbraSshFailure.Unreachable);
        }

        return seen ?? throw new ZimbraSshException($"The SSH server {host}:{port} sent no host key.");
    }

    /// <summary>
    /// Starts the export of <paramref name="account"/> and returns its TGZ bytes as a stream (read it to the end;
    /// at the end a failure of the command, such as a missing <c>zmmailbox</c> or an unknown account, is thrown
    /// from the read with Zimbra's own words).
    /// </summary>
    /// <param name="target">The server.</param>
    /// <param name="account">The Zimbra account (e-mail address).</param>
    /// <param name="query">An optional Zimbra search narrowing the export (e.g. <c>after:11/30/2026</c>).</param>
    /// <param name="cancellationToken">Closes the connection.</param>
    /// <exception cref="ZimbraSshException">Unreachable, host key not pinned or different, login refused.</exception>
    public async Task<Stream> OpenExportAsync(ZimbraSshTarget target, string account, string? query = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentException.ThrowIfNullOrWhiteSpace(account);
        var client = await ConnectAsync(target, cancellationToken);
        var command = client.CreateCommand(Command(target.Zmmailbox, account, query));
        var execution = command.ExecuteAsync(cancellationToken);
        return new CommandOutputStream(client, command, execution, account);
    }

    /// <summary>
    /// Checks everything an export needs before the settings are saved: the server is reachable, its host key is
    /// the pinned one, the user logs in with the key or password given, and <c>zmmailbox</c> is there and may be
    /// run by that user (<c>command -v</c> on the server; nothing is exported).
    /// </summary>
    /// <exception cref="ZimbraSshException">The step that failed, in plain words (<see cref="ZimbraSshException.Failure"/>).</exception>
    public async Task CheckLoginAsync(ZimbraSshTarget target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var client = await ConnectAsync(target, cancellationToken);
        var zmmailbox = Quote(target.Zmmailbox);
        using var command = client.CreateCommand($"p=$(command -v {zmmailbox}) && test -x \"$p\"");
        try
        {
            await command.ExecuteAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is SshException or InvalidOperationException)
        {
            throw new ZimbraSshException($"The SSH server {target} let '{target.User}' in but could not run a command: {ex.Message}", ex);
        }

        if (command.ExitStatus is not 0)
        {
            throw new ZimbraSshException(
                $"'{target.User}' logged in to {target.Host}, but zmmailbox was not found there at {target.Zmmailbox} (or that user may not run it). Check the zmmailbox path (usually {ZimbraSshTarget.DefaultZmmailbox}) and the SSH user (usually zimbra).",
                null, ZimbraSshFailure.Zmmailbox);
        }
    }

    /// <summary>Connects and logs in, the host key checked against the pinned one; the caller disposes the client.</summary>
    private static async Task<SshClient> ConnectAsync(ZimbraSshTarget target, CancellationToken cancellationToken)
    {
        var client = new SshClient(Connection(target));
        string? offered = null;
        client.HostKeyReceived += (_, e) =>
        {
            offered = "SHA256:" + e.FingerPrintSHA256;
            e.CanTrust = target.HostKeySha256 is { } pinned && string.Equals(pinned.Trim(), offered, StringComparison.Ordinal);
        };
        try
        {
            await client.ConnectAsync(cancellationToken);
            return client;
        }
        catch (SshAuthenticationException ex)
        {
            client.Dispose();
            throw new ZimbraSshException($"The SSH server {target} refused the login of '{target.User}' with the {(target.PrivateKey is null ? "password" : "private key")} given: {ex.Message}", ex, ZimbraSshFailure.Login);
        }
        catch (Exception ex) when (offered is not null && target.HostKeySha256 is null && ex is SshException)
        {
            client.Dispose();
            throw new ZimbraSshException($"The host key of {target.Host}:{target.Port} ({offered}) is not confirmed yet: check it with the server's administrator and confirm it in the job's Zimbra settings.", ex, ZimbraSshFailure.HostKey);
        }
        catch (Exception ex) when (offered is not null && !string.Equals(target.HostKeySha256?.Trim(), offered, StringComparison.Ordinal) && ex is SshException)
        {
            client.Dispose();
            throw new ZimbraSshException($"The host key of {target.Host}:{target.Port} changed: the server shows {offered}, the job trusts {target.HostKeySha256}. If the server was really reinstalled, confirm the new key in the job's Zimbra settings; otherwise someone may be in the middle.", ex, ZimbraSshFailure.HostKey);
        }
        catch (Exception ex) when (ex is SocketException or SshException or TimeoutException or InvalidOperationException)
        {
            client.Dispose();
            throw new ZimbraSshException($"Cannot connect to the SSH server {target}: {ex.Message}", ex, ZimbraSshFailure.Unreachable);
        }
    }

    /// <summary>The command line run on the server, each argument single-quoted for the POSIX shell.</summary>
    public static string Command(string zmmailbox, string account, string? query)
    {
        var url = "//?fmt=tgz" + (string.IsNullOrWhiteSpace(query) ? "" : "&query=" + Uri.EscapeDataString(query.Trim()));
        return string.Join(' ', new[] { zmmailbox, "-z", "-m", account, "getRestURL", url }.Select(Quote));
    }

    private static string Quote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static ConnectionInfo Connection(ZimbraSshTarget target)
    {
        AuthenticationMethod method;
        if (target.PrivateKey is { Length: > 0 } key)
        {
            PrivateKeyFile file;
            try
            {
                using var text = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(key.Replace("\r\n", "\n", StringComparison.Ordinal)));
                file = target.Password is { Length: > 0 } passphrase ? new PrivateKeyFile(text, passphrase) : new PrivateKeyFile(text);
            }
            catch (Exception ex) when (ex is SshException or ArgumentException or InvalidOperationException or FormatException)
            {
                throw new ZimbraSshException($"The private key for {target} cannot be read (an OpenSSH or PEM private key is expected; a passphrase goes in the password): {ex.Message}", ex, ZimbraSshFailure.UnreadableKey);
            }

            method = new PrivateKeyAuthenticationMethod(target.User, file);
        }
        else
        {
            method = new PasswordAuthenticationMethod(target.User, target.Password ?? "");
        }

        return new ConnectionInfo(target.Host, target.Port, target.User, method) { Timeout = ConnectTimeout };
    }

    /// <summary>The command's stdout; at its end, the command's failure (exit status, stderr) is thrown, and the connection closed on dispose.</summary>
    private sealed class CommandOutputStream(SshClient client, SshCommand command, Task execution, string account) : ReadOnlyStream
    {
        private bool _ended;

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_ended || buffer.IsEmpty)
            {
                return 0;
            }

            var read = await command.OutputStream.ReadAsync(buffer, cancellationToken);
            if (read > 0)
            {
                return read;
            }

            _ended = true;
            try
            {
                await execution.WaitAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is SshException or InvalidOperationException)
            {
                throw new ZimbraSshException($"The export of {account} over SSH stopped: {ex.Message}", ex);
            }

            if (command.ExitStatus is { } status and not 0)
            {
                var error = (command.Error ?? "").Trim();
                throw new ZimbraSshException(status == 127 || error.Contains("not found", StringComparison.OrdinalIgnoreCase) || error.Contains("No such file", StringComparison.OrdinalIgnoreCase)
                    ? $"zmmailbox was not found on the server ({error}). Check the zmmailbox path in the job's Zimbra settings (usually {ZimbraSshTarget.DefaultZmmailbox}) and that the SSH user may run it."
                    : $"zmmailbox failed for {account} (exit status {status}): {(error.Length == 0 ? "no message" : error)}");
            }

            return 0;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                command.Dispose();
                client.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
