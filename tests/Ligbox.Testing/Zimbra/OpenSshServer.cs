using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Ligbox.Testing.Processes;

namespace Ligbox.Testing.Zimbra;

/// <summary>
/// A real OpenSSH server (Debian <c>openssh-server</c>) on 127.0.0.1 and a free port, run by the test as a
/// non-daemon child (<c>sshd -D -e</c>) with its own config, host key and authorized key, for the current
/// user; a stand-in <c>zmmailbox</c> script (the only fake: a Zimbra server cannot run here) streams a TGZ
/// file for accounts that start with <c>ana@</c> and fails like Zimbra for others. Stopped and deleted on dispose.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class OpenSshServer : IAsyncDisposable, IDisposable
{
    private Process? _process;
    private readonly StringBuilder _log = new();

    public OpenSshServer()
    {
        // Short path: sshd and ssh-keygen do not care, but keep it tidy and private (StrictModes off anyway).
        Directory = System.IO.Directory.CreateTempSubdirectory("ligbox-sshd-").FullName;
    }

    public string Directory { get; }
    public string Host => "127.0.0.1";
    public int Port { get; private set; }

    /// <summary>The login (the user the tests run as: sshd needs a real account).</summary>
    public string User { get; } = Environment.UserName;

    /// <summary>The private key the server accepts (OpenSSH format text).</summary>
    public string ClientKey { get; private set; } = "";

    /// <summary>Another private key the server does not accept.</summary>
    public string WrongKey { get; private set; } = "";

    /// <summary>The server's host key fingerprint as <c>ssh-keygen -l -E sha256</c> prints it (<c>SHA256:...</c>).</summary>
    public string HostKeySha256 { get; private set; } = "";

    /// <summary>The stand-in <c>zmmailbox</c>; it streams <see cref="ExportFile"/> and records its arguments in <see cref="ArgumentsFile"/>.</summary>
    public string Zmmailbox => Path.Combine(Directory, "zmmailbox");

    /// <summary>The TGZ the stand-in streams (write it before the export).</summary>
    public string ExportFile => Path.Combine(Directory, "export.tgz");

    /// <summary>The arguments of the last stand-in call, one per line.</summary>
    public string ArgumentsFile => Path.Combine(Directory, "zmmailbox.args");

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public async Task StartAsync()
    {
        if (!File.Exists("/usr/sbin/sshd"))
        {
            throw new InvalidOperationException("/usr/sbin/sshd is missing: apt-get install -y openssh-server (scripts/install-test-deps.sh).");
        }

        // sshd refuses to start without its privilege separation directory.
        System.IO.Directory.CreateDirectory("/run/sshd");
        await KeygenAsync("host_key");
        await KeygenAsync("client_key");
        await KeygenAsync("wrong_key");
        ClientKey = await File.ReadAllTextAsync(Path.Combine(Directory, "client_key"));
        WrongKey = await File.ReadAllTextAsync(Path.Combine(Directory, "wrong_key"));
        File.Copy(Path.Combine(Directory, "client_key.pub"), Path.Combine(Directory, "authorized_keys"));
        var fingerprint = await RunAsync("ssh-keygen", "-l", "-E", "sha256", "-f", Path.Combine(Directory, "host_key.pub"));
        HostKeySha256 = fingerprint.Split(' ')[1];
        await File.WriteAllTextAsync(Zmmailbox, $$"""
            #!/bin/sh
            # Stand-in for zmmailbox -z -m ACCOUNT getRestURL URL (a Zimbra server cannot run here).
            printf '%s\n' "$@" > '{{ArgumentsFile}}'
            if [ "$1" != "-z" ] || [ "$2" != "-m" ] || [ "$4" != "getRestURL" ]; then echo "usage: zmmailbox -z -m account getRestURL url" >&2; exit 2; fi
            case "$3" in
              ana@*) exec cat '{{ExportFile}}' ;;
              *) echo "ERROR: account.NO_SUCH_ACCOUNT (no such account: $3)" >&2; exit 2 ;;
            esac
            """.Replace("\r\n", "\n"));
        File.SetUnixFileMode(Zmmailbox, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        Port = LoopbackPort.Free();
        var config = Path.Combine(Directory, "sshd_config");
        await File.WriteAllTextAsync(config, $"""
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {Path.Combine(Directory, "host_key")}
            PidFile {Path.Combine(Directory, "sshd.pid")}
            AuthorizedKeysFile {Path.Combine(Directory, "authorized_keys")}
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            PermitRootLogin prohibit-password
            LogLevel VERBOSE

            """);
        var info = new ProcessStartInfo("/usr/sbin/sshd", ["-D", "-e", "-f", config])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        _process = Process.Start(info)!;
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"sshd exited with {_process.ExitCode}: {Log}");
            }

            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(Host, Port);
                var buffer = new byte[64];
                var read = await tcp.GetStream().ReadAsync(buffer);
                if (Encoding.ASCII.GetString(buffer, 0, read).StartsWith("SSH-2.0", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (SocketException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"sshd did not answer on {Port}: {Log}");
            }

            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    private Task<string> KeygenAsync(string name) => RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ligbox-test", "-f", Path.Combine(Directory, name));

    private static async Task<string> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? output.Trim() : throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {error}");
    }
}
