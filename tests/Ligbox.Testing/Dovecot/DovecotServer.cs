using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;
using Xunit;
using Ligbox.Testing.Processes;

namespace Ligbox.Testing.Dovecot;

/// <summary>
/// A real Dovecot IMAP server started for a test run from a generated configuration in a short temp
/// directory: passwd-file users with plain passwords, maildir (LAYOUT=fs) storage, plain IMAP on
/// 127.0.0.1 and a free port. Use it as an xunit class/collection fixture (<see cref="IAsyncLifetime"/>)
/// or start it yourself with <see cref="StartAsync"/>; dispose to stop it.
/// </summary>
/// <remarks>
/// Needs the Debian packages <c>dovecot-imapd</c> and <c>dovecot-core</c> and root (Dovecot drops
/// privileges to <c>nobody</c> for the mail processes). A missing binary is an error, never a skip.
/// </remarks>
public sealed class DovecotServer : IAsyncLifetime, IDisposable
{
    private const string DovecotBinary = "/usr/sbin/dovecot";
    private const string DoveadmBinary = "/usr/bin/doveadm";
    // Servers started and not yet disposed. xunit does not dispose a fixture whose InitializeAsync threw, so when
    // one of a pair fails to start, the other would outlive the test run: the process's exit stops what is left.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<DovecotServer, byte> Running = new();
    private readonly DovecotServerOptions _options;
    private bool _started;
    private bool _disposed;

    public DovecotServer() : this(new DovecotServerOptions())
    {
    }

    static DovecotServer()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var server in Running.Keys)
            {
                server.Dispose();
            }
        };
    }

    public DovecotServer(DovecotServerOptions options)
    {
        _options = options;
        // Unix socket paths are limited to ~100 characters: keep the base short, under /tmp.
        BaseDir = Directory.CreateTempSubdirectory("dv-").FullName;
        // CreateTempSubdirectory makes it 0700; Dovecot's auth process runs as the dovecot user and must read the passwd file.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(BaseDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        MailRoot = Path.Combine(BaseDir, "mail");
        ConfigPath = Path.Combine(BaseDir, "dovecot.conf");
        PasswdDir = Path.Combine(BaseDir, "users");
        LogPath = Path.Combine(BaseDir, "dovecot.log");
        DebugLogPath = Path.Combine(BaseDir, "debug.log");
    }

    /// <summary>The address the server listens on.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The plain IMAP port (chosen free at start); it offers STARTTLS when <see cref="DovecotServerOptions.Tls"/> is set.</summary>
    public int Port { get; private set; }

    /// <summary>The implicit-TLS (IMAPS) port when <see cref="DovecotServerOptions.Tls"/> is set (chosen free at start); 0 otherwise.</summary>
    public int ImapsPort { get; private set; }

    /// <summary>The generated configuration, for <c>doveadm -c</c>.</summary>
    public string ConfigPath { get; }

    /// <summary>The instance's base directory (config, sockets, mail, log).</summary>
    public string BaseDir { get; }

    /// <summary>Where each user's maildir lives: <c>MailRoot/USER</c>.</summary>
    public string MailRoot { get; }

    /// <summary>The Dovecot log file.</summary>
    public string LogPath { get; }

    /// <summary>Where the mail processes' debug lines go with <see cref="DovecotServerOptions.MailDebug"/>.</summary>
    public string DebugLogPath { get; }

    private string PasswdDir { get; }

    Task IAsyncLifetime.InitializeAsync() => StartAsync();

    Task IAsyncLifetime.DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Writes the configuration, starts Dovecot and waits for its IMAP greeting.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_started)
        {
            return;
        }

        if (!File.Exists(DovecotBinary) || !File.Exists(DoveadmBinary))
        {
            throw new InvalidOperationException(
                $"Dovecot is not installed ({DovecotBinary} / {DoveadmBinary} missing). Install it with: apt-get install -y dovecot-imapd dovecot-core");
        }

        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException("DovecotServer must run as root (Dovecot switches mail processes to nobody:nogroup).");
        }

        Directory.CreateDirectory(MailRoot);
        Directory.CreateDirectory(Path.Combine(BaseDir, "run"));
        Directory.CreateDirectory(Path.Combine(BaseDir, "state"));
        Chown(MailRoot);
        Directory.CreateDirectory(PasswdDir);

        if (_options.MasterUser is { } master)
        {
            await File.WriteAllTextAsync(Path.Combine(BaseDir, "masters"), $"{master.Name}:{{PLAIN}}{master.Password}\n", cancellationToken);
        }

        Running[this] = 0;
        // A port that was free when chosen can be taken before Dovecot binds it: choose again, a few times.
        var choose = _options.ChoosePort ?? LoopbackPort.Free;
        for (var attempt = 1; ; attempt++)
        {
            Port = choose();
            ImapsPort = _options.Tls is null ? 0 : choose();
            await File.WriteAllTextAsync(ConfigPath, BuildConfig(), cancellationToken);
            var (exit, output) = await RunAsync(DovecotBinary, ["-c", ConfigPath], cancellationToken);
            if (exit == 0)
            {
                break;
            }

            var log = ReadLogTail();
            StopMaster();
            if (attempt < 5 && (output + log).Contains("Address already in use", StringComparison.Ordinal))
            {
                File.Delete(LogPath);
                continue;
            }

            throw new InvalidOperationException($"dovecot exited with {exit}: {output} {log}");
        }

        _started = true;
        await WaitForGreetingAsync(cancellationToken);
    }

    /// <summary>Adds (or replaces) a user; Dovecot re-reads the passwd file when it changes.</summary>
    public void AddUser(string user, string password)
    {
        if (user.Contains(':') || user.Contains('/') || user.Contains('\n') || password.Contains('\n'))
        {
            throw new ArgumentException("Test user names cannot contain ':' or '/', passwords no newlines.");
        }

        // One passwd file per user (the passdb path is PasswdDir/%u): Dovecot loads a new file on first use,
        // so a user added just before logging in is never hidden by a not-yet-reloaded shared file.
        Directory.CreateDirectory(PasswdDir);
        var path = Path.Combine(PasswdDir, user);
        var temp = path + ".new";
        File.WriteAllText(temp, $"{user}:{{PLAIN}}{password}\n");
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Connects and authenticates a MailKit client (plain IMAP).</summary>
    public async Task<ImapClient> ConnectAsync(string user, string password, CancellationToken cancellationToken = default)
    {
        var client = new ImapClient();
        try
        {
            await client.ConnectAsync(Host, Port, SecureSocketOptions.None, cancellationToken);
            await client.AuthenticateAsync(user, password, cancellationToken);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Appends messages to a folder (created if missing) through IMAP, MULTIAPPEND in chunks.
    /// Returns the UIDs assigned (when the server reports them).
    /// </summary>
    public async Task<IReadOnlyList<UniqueId>> AppendAsync(
        string user, string password, string folder, IEnumerable<SeedMessage> messages, CancellationToken cancellationToken = default)
    {
        using var client = await ConnectAsync(user, password, cancellationToken);
        var target = await GetOrCreateFolderAsync(client, folder, cancellationToken);
        var uids = new List<UniqueId>();
        foreach (var chunk in messages.Chunk(100))
        {
            var requests = chunk.Select(m => (IAppendRequest)new AppendRequest(m.Message, m.Flags)
            {
                InternalDate = m.InternalDate,
                Keywords = m.Keywords is null ? null : new HashSet<string>(m.Keywords),
            }).ToList();
            uids.AddRange(await target.AppendAsync(requests, cancellationToken));
        }

        await client.DisconnectAsync(true, cancellationToken);
        return uids;
    }

    /// <summary>Opens a folder by full name, creating it (and its parents) when missing.</summary>
    public static async Task<IMailFolder> GetOrCreateFolderAsync(ImapClient client, string fullName, CancellationToken cancellationToken = default)
    {
        if (fullName.Equals("INBOX", StringComparison.OrdinalIgnoreCase))
        {
            return client.Inbox;
        }

        var ns = client.PersonalNamespaces[0];
        var separator = ns.DirectorySeparator;
        try
        {
            return await client.GetFolderAsync(fullName, cancellationToken);
        }
        catch (FolderNotFoundException)
        {
        }

        IMailFolder parent = await client.GetFolderAsync(ns.Path, cancellationToken);
        foreach (var part in fullName.Split(separator))
        {
            var children = await parent.GetSubfoldersAsync(false, cancellationToken);
            parent = children.FirstOrDefault(c => c.Name == part)
                ?? await parent.CreateAsync(part, true, cancellationToken)
                ?? throw new InvalidOperationException($"could not create {part}");
        }

        return parent;
    }

    /// <summary>
    /// Writes messages straight into a user's maildir (much faster than IMAP for large seeds), then
    /// runs <c>doveadm force-resync</c> so Dovecot indexes them. The file mtime becomes INTERNALDATE.
    /// </summary>
    public async Task SeedMaildirAsync(string user, string folder, IEnumerable<SeedRawMessage> messages, CancellationToken cancellationToken = default)
    {
        var dir = MaildirPath(user, folder);
        foreach (var sub in new[] { "cur", "new", "tmp" })
        {
            Directory.CreateDirectory(Path.Combine(dir, sub));
        }

        var n = 0;
        foreach (var message in messages)
        {
            var flags = new StringBuilder();
            if (message.Flags.HasFlag(MessageFlags.Draft)) flags.Append('D');
            if (message.Flags.HasFlag(MessageFlags.Flagged)) flags.Append('F');
            if (message.Flags.HasFlag(MessageFlags.Answered)) flags.Append('R');
            if (message.Flags.HasFlag(MessageFlags.Seen)) flags.Append('S');
            if (message.Flags.HasFlag(MessageFlags.Deleted)) flags.Append('T');
            var stamp = message.InternalDate.ToUnixTimeSeconds();
            var name = $"{stamp}.M{n++}P{Environment.ProcessId}.seed,S={message.Raw.Length}:2,{flags}";
            var path = Path.Combine(dir, "cur", name);
            await File.WriteAllBytesAsync(path, message.Raw, cancellationToken);
            File.SetLastWriteTimeUtc(path, message.InternalDate.UtcDateTime);
        }

        Chown(Path.Combine(MailRoot, user));
        var result = await DoveadmAsync(["force-resync", "-u", user, folder], cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"doveadm force-resync failed ({result.ExitCode}): {result.Output}");
        }
    }

    /// <summary>
    /// Writes one message straight into a maildir from a writer callback (for huge messages that should
    /// never be held in memory), then <c>doveadm force-resync</c>. The file mtime becomes INTERNALDATE.
    /// </summary>
    public async Task WriteMaildirMessageAsync(string user, string folder, Func<Stream, Task> write, DateTimeOffset internalDate, CancellationToken cancellationToken = default)
    {
        var dir = MaildirPath(user, folder);
        foreach (var sub in new[] { "cur", "new", "tmp" })
        {
            Directory.CreateDirectory(Path.Combine(dir, sub));
        }

        var path = Path.Combine(dir, "cur", $"{internalDate.ToUnixTimeSeconds()}.M{Guid.NewGuid():N}P{Environment.ProcessId}.seed:2,");
        await using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            await write(stream);
        }

        File.SetLastWriteTimeUtc(path, internalDate.UtcDateTime);
        Chown(Path.Combine(MailRoot, user));
        var result = await DoveadmAsync(["force-resync", "-u", user, folder], cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"doveadm force-resync failed ({result.ExitCode}): {result.Output}");
        }
    }

    private string MaildirPath(string user, string folder) =>
        folder.Equals("INBOX", StringComparison.OrdinalIgnoreCase)
            ? Path.Combine(MailRoot, user, "INBOX")
            : Path.Combine([MailRoot, user, .. folder.Split('/').Select(EncodeModifiedUtf7)]);

    /// <summary>RFC 3501 modified UTF-7, which Dovecot uses for maildir directory names.</summary>
    internal static string EncodeModifiedUtf7(string name)
    {
        var result = new StringBuilder();
        var pending = new StringBuilder();
        void Flush()
        {
            if (pending.Length == 0)
            {
                return;
            }

            var bytes = Encoding.BigEndianUnicode.GetBytes(pending.ToString());
            result.Append('&').Append(Convert.ToBase64String(bytes).TrimEnd('=').Replace('/', ',')).Append('-');
            pending.Clear();
        }

        foreach (var c in name)
        {
            if (c >= 0x20 && c <= 0x7e)
            {
                Flush();
                result.Append(c == '&' ? "&-" : c.ToString());
            }
            else
            {
                pending.Append(c);
            }
        }

        Flush();
        return result.ToString();
    }

    /// <summary>Runs <c>doveadm -c CONFIG ARGS</c> against this instance.</summary>
    public async Task<DoveadmResult> DoveadmAsync(IEnumerable<string> args, CancellationToken cancellationToken = default)
    {
        var (exit, output) = await RunAsync(DoveadmBinary, ["-c", ConfigPath, .. args], cancellationToken);
        return new DoveadmResult(exit, output);
    }

    /// <summary>Message count of a folder as Dovecot itself reports it (<c>doveadm mailbox status</c>).</summary>
    public async Task<int> CountMessagesAsync(string user, string folder, CancellationToken cancellationToken = default)
    {
        var result = await DoveadmAsync(["mailbox", "status", "-u", user, "messages", folder], cancellationToken);
        // doveadm panics ("locking failed ... Resource deadlock avoided") when an IMAP process of the same
        // user holds the index lock at that instant (seen while a console under test is stopping): ask again.
        for (var attempt = 0; attempt < 10 && result.ExitCode != 0 && result.Output.Contains("locking failed", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(200, cancellationToken);
            result = await DoveadmAsync(["mailbox", "status", "-u", user, "messages", folder], cancellationToken);
        }

        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"doveadm mailbox status failed ({result.ExitCode}): {result.Output}");
        }

        return int.Parse(result.Output.Trim().Split('=')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The last lines of the Dovecot log, for assertion messages.</summary>
    public string ReadLogTail(int lines = 20)
    {
        try
        {
            return string.Join('\n', File.ReadLines(LogPath).TakeLast(lines));
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>Stops Dovecot (SIGTERM to master.pid) and removes the base directory.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Running.TryRemove(this, out _);
        StopMaster();
        try
        {
            Directory.Delete(BaseDir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>SIGTERM to the master in master.pid, if one ever wrote it (even after a start that failed), and waits for it.</summary>
    private void StopMaster()
    {
        var pidFile = Path.Combine(BaseDir, "run", "master.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) || !IsOurs(pid))
        {
            return;
        }

        _ = Kill(pid, 15);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline && IsAlive(pid))
        {
            Thread.Sleep(50);
        }

        if (IsAlive(pid))
        {
            _ = Kill(pid, 9);
        }

        File.Delete(pidFile);
    }

    private string BuildConfig()
    {
        var auto = _options.CreateSpecialUseFolders ? "subscribe" : "no";
        var quota = _options.QuotaStorage is null
            ? ""
            : $$"""
                mail_plugins = $mail_plugins quota
                protocol imap {
                  mail_plugins = $mail_plugins imap_quota
                }
                plugin {
                  quota = maildir:User quota
                  quota_rule = *:storage={{_options.QuotaStorage}}
                }
                """;
        return $$"""
            protocols = imap
            listen = 127.0.0.1
            base_dir = {{BaseDir}}/run
            state_dir = {{BaseDir}}/state
            log_path = {{LogPath}}
            {{(_options.MailDebug ? $"mail_debug = yes\ndebug_log_path = {DebugLogPath}" : "")}}
            {{Ssl()}}
            disable_plaintext_auth = no
            auth_failure_delay = 0
            auth_mechanisms = plain login{{(_options.OAuth2IntrospectionUrl is null ? "" : " xoauth2 oauthbearer")}}
            mail_fsync = {{(_options.Fsync ? "optimized" : "never")}}
            {{MasterPassdb()}}
            {{OAuth2Passdb()}}
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{PasswdDir}}/%u
            }
            userdb {
              driver = static
              args = uid=nobody gid=nogroup home={{MailRoot}}/%u
            }
            mail_location = maildir:{{MailRoot}}/%u:LAYOUT=fs:INBOX={{MailRoot}}/%u/INBOX
            namespace inbox {
              inbox = yes
              separator = /
              mailbox Sent {
                special_use = \Sent
                auto = {{auto}}
              }
              mailbox Drafts {
                special_use = \Drafts
                auto = {{auto}}
              }
              mailbox Trash {
                special_use = \Trash
                auto = {{auto}}
              }
              mailbox Junk {
                special_use = \Junk
                auto = {{auto}}
              }
              mailbox Archive {
                special_use = \Archive
                auto = {{auto}}
              }
            }
            service imap-login {
              {{(_options.PrestartedProcesses > 0 ? $"service_count = 0\n  process_min_avail = {Math.Min(_options.PrestartedProcesses, Environment.ProcessorCount)}" : "")}}
              inet_listener imap {
                address = 127.0.0.1
                port = {{Port}}
              }
              inet_listener imaps {
                address = 127.0.0.1
                port = {{ImapsPort}}
              }
            }
            service imap {
              process_limit = 256
              {{(_options.PrestartedProcesses > 0 ? $"process_min_avail = {_options.PrestartedProcesses}" : "")}}
            }
            {{quota}}

            """;
    }

    // Master users as Dovecot and mailcow configure them: "user*master" logins, and SASL PLAIN with an authorization identity.
    private string MasterPassdb() => _options.MasterUser is null
        ? ""
        : $"auth_master_user_separator = *\npassdb {{\n  driver = passwd-file\n  args = scheme=PLAIN {BaseDir}/masters\n  master = yes\n}}";

    // OAuth 2.0 logins (XOAUTH2, OAUTHBEARER) validated by the authorization server's introspection endpoint.
    private string OAuth2Passdb()
    {
        if (_options.OAuth2IntrospectionUrl is not { } url)
        {
            return "";
        }

        File.WriteAllText(Path.Combine(BaseDir, "oauth2.conf.ext"), $"""
            introspection_mode = post
            introspection_url = {url}
            force_introspection = yes
            username_attribute = sub
            active_attribute = active
            active_value = true

            """);
        return $"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {BaseDir}/oauth2.conf.ext\n}}";
    }

    // TLS on the test's own certificate: STARTTLS on the plain port, implicit TLS on ImapsPort.
    private string Ssl() => _options.Tls is { } tls
        ? $"ssl = yes\nssl_cert = <{tls.CertificatePath}\nssl_key = <{tls.KeyPath}"
        : "ssl = no";

    private async Task WaitForGreetingAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
                using var reader = new StreamReader(tcp.GetStream(), Encoding.ASCII);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(3));
                // Dovecot may first say "* OK Waiting for authentication process"; the real greeting
                // carries the CAPABILITY list and "ready".
                while (await reader.ReadLineAsync(timeout.Token) is { } line)
                {
                    if (line.StartsWith("* OK", StringComparison.Ordinal) && line.Contains("ready", StringComparison.Ordinal))
                    {
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                last = ex;
            }

            await Task.Delay(30, cancellationToken);
        }

        throw new InvalidOperationException($"Dovecot on port {Port} gave no IMAP greeting within 15 s ({last?.Message}). Log: {ReadLogTail()}");
    }

    private static void Chown(string path)
    {
        var (exit, output) = RunAsync("/bin/chown", ["-R", "nobody:nogroup", path], CancellationToken.None).GetAwaiter().GetResult();
        if (exit != 0)
        {
            throw new InvalidOperationException($"chown failed: {output}");
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        // dovecot daemonizes: its master keeps the inherited pipes open, so don't wait for EOF forever.
        var output = Task.WhenAll(stdout, stderr);
        await Task.WhenAny(output, Task.Delay(TimeSpan.FromSeconds(2), cancellationToken));
        return (process.ExitCode, output.IsCompletedSuccessfully ? stdout.Result + stderr.Result : "");
    }

    // A master that died leaves its pid file behind, and the number may belong to another process by now.
    private bool IsOurs(int pid) => ProcessTable.CommandLine(pid)?.Contains(ConfigPath, StringComparison.Ordinal) == true;

    // The daemonized master is not our child; where nobody reaps it, it lingers as a zombie after exiting.
    private static bool IsAlive(int pid)
    {
        if (Kill(pid, 0) != 0)
        {
            return false;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault() != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}

/// <summary>Options for a <see cref="DovecotServer"/>.</summary>
public sealed record DovecotServerOptions
{
    /// <summary>A storage quota such as <c>1M</c> (quota plugin + imap_quota); <c>null</c> for none.</summary>
    public string? QuotaStorage { get; init; }

    /// <summary>Whether Sent/Drafts/Trash/Junk/Archive (with SPECIAL-USE) exist for every user.</summary>
    public bool CreateSpecialUseFolders { get; init; }

    /// <summary>Whether Dovecot fsyncs (production-like); off makes tests faster.</summary>
    public bool Fsync { get; init; }

    /// <summary>
    /// Serve TLS with this certificate: STARTTLS on <see cref="DovecotServer.Port"/> and implicit TLS on
    /// <see cref="DovecotServer.ImapsPort"/>; <c>null</c> (the default) for plain IMAP only.
    /// </summary>
    public TestCertificate? Tls { get; init; }

    /// <summary>
    /// A master user (a <c>passdb</c> with <c>master = yes</c>, separator <c>*</c>): it logs in as any user with its own
    /// password, as <c>user*master</c> or by SASL PLAIN with the user as authorization identity. <c>null</c> (the default): none.
    /// </summary>
    public DovecotMasterUser? MasterUser { get; init; }

    /// <summary>
    /// An authorization server's introspection URL (with Dovecot's client credentials in it): adds XOAUTH2 and OAUTHBEARER
    /// logins checked by a <c>passdb oauth2</c> against it. <c>null</c> (the default): passwords only.
    /// </summary>
    public string? OAuth2IntrospectionUrl { get; init; }

    /// <summary>Where the listening ports come from (default <see cref="Processes.LoopbackPort.Free"/>); a test of the fixture can hand out a taken one.</summary>
    public Func<int>? ChoosePort { get; init; }

    /// <summary>
    /// Tuned for many logins, as a busy server would run (benchmarks only): login processes in Dovecot's
    /// high-performance mode (each serves many connections, <c>service_count = 0</c>; as many started ahead as there are
    /// cores, at most this many), and this many <c>imap</c> processes started ahead (<c>process_min_avail</c>), so a
    /// connection does not wait for a fork. 0 (the default): Dovecot's defaults, a login process and an <c>imap</c>
    /// process started per connection.
    /// </summary>
    public int PrestartedProcesses { get; init; }

    /// <summary>
    /// Dovecot's <c>mail_debug</c>, written to <see cref="DovecotServer.DebugLogPath"/>: among others, each folder a
    /// session opens ("Mailbox X: Mailbox opened") and why its list index could not answer for it.
    /// </summary>
    public bool MailDebug { get; init; }
}

/// <summary>A Dovecot master user's name and password.</summary>
public sealed record DovecotMasterUser(string Name, string Password);

/// <summary>A message to APPEND with its flags, keywords and INTERNALDATE.</summary>
public sealed record SeedMessage(MimeMessage Message, MessageFlags Flags, DateTimeOffset InternalDate, IReadOnlyList<string>? Keywords = null);

/// <summary>A raw RFC 5322 message for <see cref="DovecotServer.SeedMaildirAsync"/>.</summary>
public sealed record SeedRawMessage(byte[] Raw, DateTimeOffset InternalDate, MessageFlags Flags = MessageFlags.None);

/// <summary>The outcome of a doveadm run.</summary>
public sealed record DoveadmResult(int ExitCode, string Output);
