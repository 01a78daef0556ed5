using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ligbox.Tools.Processes;

namespace Ligbox.Tools.Tests.Support;

/// <summary>
/// A real Dovecot 2.3 (Debian dovecot-imapd) on 127.0.0.1 and a free port, with its own base, state and
/// mail directories and a passwd-file of users, as described in ../shared/docs/STACK.md. Needs root
/// (Dovecot drops to nobody for mail access).
/// </summary>
internal sealed class DovecotInstance : IAsyncDisposable
{
    private DovecotInstance(string root, int port)
    {
        Root = root;
        Port = port;
    }

    public string Root { get; }

    public int Port { get; }

    public string ConfigFile => Path.Combine(Root, "dovecot.conf");

    public static async Task<DovecotInstance> StartAsync(IReadOnlyDictionary<string, string> users)
    {
        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException("The Dovecot test instance needs root (as in CI); run the tests as root.");
        }

        // Short path: Dovecot's unix sockets live in base_dir and are limited to ~100 characters.
        var root = Path.Combine("/tmp", "lgbx-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(root, "base"));
        Directory.CreateDirectory(Path.Combine(root, "state"));
        // Mail is accessed as nobody; chmod rather than a mode at creation, which the umask would trim.
        var mail = Directory.CreateDirectory(Path.Combine(root, "mail")).FullName;
        File.SetUnixFileMode(mail, (UnixFileMode)0b111_111_111);
        File.WriteAllLines(Path.Combine(root, "passwd"), users.Select(u => $"{u.Key}:{{PLAIN}}{u.Value}::::::"));

        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var instance = new DovecotInstance(root, port);
        File.WriteAllText(instance.ConfigFile, $$"""
            base_dir = {{root}}/base
            state_dir = {{root}}/state
            log_path = {{root}}/dovecot.log
            protocols = imap
            listen = 127.0.0.1
            ssl = no
            disable_plaintext_auth = no
            auth_failure_delay = 0
            passdb {
              driver = passwd-file
              args = scheme=PLAIN {{root}}/passwd
            }
            userdb {
              driver = static
              args = uid=nobody gid=nogroup
            }
            mail_location = maildir:{{root}}/mail/%u:LAYOUT=fs:INBOX={{root}}/mail/%u/INBOX
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = {{port.ToString(CultureInfo.InvariantCulture)}}
              }
              inet_listener imaps {
                port = 0
              }
            }
            """);

        var start = await new CliWrapProcessRunner().RunAsync(new ProcessSpec("dovecot", ["-c", instance.ConfigFile]));
        if (start.ExitCode != 0)
        {
            throw new InvalidOperationException($"dovecot -c {instance.ConfigFile} exited with {start.ExitCode}; see {root}/dovecot.log");
        }

        await instance.WaitForGreetingAsync();
        return instance;
    }

    /// <summary>Appends a message to a user's mailbox with <c>doveadm save</c>.</summary>
    public async Task SaveAsync(string user, string mailbox, string subject)
    {
        var eml = Path.Combine(Root, $"msg-{Guid.NewGuid():N}.eml");
        await File.WriteAllTextAsync(eml, $"From: a@example.com\r\nTo: {user}@example.com\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@example.com>\r\n\r\nBody of {subject}\r\n");
        var result = await new CliWrapProcessRunner().RunAsync(new ProcessSpec("bash", ["-c", "doveadm -c \"$1\" save -u \"$2\" -m \"$3\" < \"$4\"", "bash", ConfigFile, user, mailbox, eml]));
        File.Delete(eml);
        Assert.True(result.ExitCode == 0, $"doveadm save exited with {result.ExitCode}; see {Root}/dovecot.log");
    }

    public async Task CreateMailboxAsync(string user, string mailbox)
    {
        var result = await new CliWrapProcessRunner().RunAsync(new ProcessSpec("doveadm", ["-c", ConfigFile, "mailbox", "create", "-u", user, mailbox]));
        Assert.Equal(0, result.ExitCode);
    }

    public async ValueTask DisposeAsync()
    {
        var pidFile = Path.Combine(Root, "base", "master.pid");
        if (File.Exists(pidFile) && int.TryParse((await File.ReadAllTextAsync(pidFile)).Trim(), out var pid))
        {
            try
            {
                using var master = Process.GetProcessById(pid);
                master.Kill();
                await master.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task WaitForGreetingAsync()
    {
        // A connection made before auth is up is dropped: wait for the "* OK" greeting, not the port.
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                var buffer = new byte[256];
                var read = await client.GetStream().ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
                if (Encoding.ASCII.GetString(buffer, 0, read).StartsWith("* OK", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
            {
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException($"Dovecot on port {Port} sent no greeting within 10 s; see {Root}/dovecot.log");
    }
}
