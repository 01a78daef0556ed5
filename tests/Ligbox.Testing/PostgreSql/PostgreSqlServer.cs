using System.Diagnostics;
using Npgsql;
using Xunit;
using Ligbox.Testing.Processes;

namespace Ligbox.Testing.PostgreSql;

/// <summary>
/// A real, throw-away PostgreSQL cluster for a test run (issue 17): <c>initdb</c> into a short temp
/// directory, <c>pg_ctl start</c> on 127.0.0.1 and a free port with its unix socket in that directory,
/// trust authentication for the local user <c>postgres</c>. <see cref="CreateDatabaseAsync"/> gives each
/// test its own database. Disposing stops the cluster (fast, then immediate, then SIGKILL) and deletes
/// the directory: no postgres process is left behind.
/// </summary>
/// <remarks>
/// Needs Debian's <c>postgresql</c> (any version under <c>/usr/lib/postgresql</c>). initdb and the server
/// refuse to run as root: as root they run as the <c>postgres</c> user through <c>runuser</c> (the
/// package creates that user), otherwise as the current user. A missing binary is an error, never a skip.
/// </remarks>
public sealed class PostgreSqlServer : IAsyncLifetime, IDisposable
{
    private const string SuperUser = "postgres";
    private int _databases;
    private bool _started;
    private bool _disposed;

    public PostgreSqlServer()
    {
        // Short (unix socket paths are limited to ~100 characters), under TMPDIR so the suite's leftover check sees it.
        BaseDir = Directory.CreateTempSubdirectory("pg-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(BaseDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        DataDir = Path.Combine(BaseDir, "data");
        SocketDir = Path.Combine(BaseDir, "run");
        LogPath = Path.Combine(BaseDir, "postgres.log");
    }

    public string Host => "127.0.0.1";

    public int Port { get; private set; }

    public string BaseDir { get; }

    public string DataDir { get; }

    /// <summary>Where the server's unix socket lives (<c>.s.PGSQL.PORT</c>).</summary>
    public string SocketDir { get; }

    public string LogPath { get; }

    /// <summary>The postmaster's process id once started (from <c>postmaster.pid</c>).</summary>
    public int? PostmasterPid { get; private set; }

    /// <summary>A connection string to the maintenance database <c>postgres</c>.</summary>
    public string AdminConnectionString => ConnectionStringFor("postgres");

    Task IAsyncLifetime.InitializeAsync() => StartAsync();

    Task IAsyncLifetime.DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Database = database,
            Username = SuperUser,
            // Pools of hosts that were stopped are cleared by the tests; keep each one small.
            MaxPoolSize = 30,
            Timeout = 30,
            CommandTimeout = 60,
        }.ConnectionString;

    /// <summary>Creates a new, empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null, CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        name ??= $"t{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..20];
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        return ConnectionStringFor(name);
    }

    /// <summary>Runs initdb and starts the server; waits until it accepts connections.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_started)
        {
            return;
        }

        var bin = FindBinDir();
        Directory.CreateDirectory(SocketDir);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunCheckedAsync("/bin/chown", ["-R", "postgres:postgres", BaseDir], cancellationToken);
        }

        await RunAsUserCheckedAsync(asRoot, Path.Combine(bin, "initdb"),
            ["-D", DataDir, "-U", SuperUser, "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], cancellationToken);
        Port = LoopbackPort.Free();
        var serverOptions = string.Join(' ', "-p", Port.ToString(), "-k", SocketDir, "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300",
            "-c", "shared_buffers=32MB");
        await RunAsUserCheckedAsync(asRoot, Path.Combine(bin, "pg_ctl"),
            ["-D", DataDir, "-l", LogPath, "-o", serverOptions, "-w", "-t", "60", "start"], cancellationToken);
        _started = true;
        PostmasterPid = ReadPostmasterPid();
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        NpgsqlConnection.ClearAllPools();
        if (_started)
        {
            var bin = FindBinDir();
            var asRoot = Environment.UserName == "root";
            foreach (var mode in new[] { "fast", "immediate" })
            {
                var (exit, _) = RunAsUserAsync(asRoot, Path.Combine(bin, "pg_ctl"), ["-D", DataDir, "-m", mode, "-w", "-t", "20", "stop"],
                    CancellationToken.None).GetAwaiter().GetResult();
                if (exit == 0)
                {
                    break;
                }
            }

            if (PostmasterPid is { } pid && IsAlive(pid))
            {
                try
                {
                    Process.GetProcessById(pid).Kill(entireProcessTree: true);
                }
                catch (ArgumentException)
                {
                    // Gone meanwhile.
                }
            }
        }

        try
        {
            Directory.Delete(BaseDir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open must not fail the tests that passed.
        }
    }

    /// <summary>The server log (for a failure message).</summary>
    public string ReadLogTail(int lines = 40)
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

    private static string FindBinDir()
    {
        var root = "/usr/lib/postgresql";
        var dir = Directory.Exists(root)
            ? Directory.GetDirectories(root).Where(d => File.Exists(Path.Combine(d, "bin", "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0).FirstOrDefault()
            : null;
        return dir is null
            ? throw new InvalidOperationException(
                "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb). Install it with: apt-get install -y postgresql (scripts/install-test-deps.sh does).")
            : Path.Combine(dir, "bin");
    }

    private int? ReadPostmasterPid()
    {
        var file = Path.Combine(DataDir, "postmaster.pid");
        return File.Exists(file) && int.TryParse(File.ReadLines(file).FirstOrDefault(), out var pid) ? pid : null;
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private async Task RunAsUserCheckedAsync(bool asRoot, string file, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var (exit, output) = await RunAsUserAsync(asRoot, file, args, cancellationToken);
        if (exit != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} exited with {exit}: {output}\n{ReadLogTail()}");
        }
    }

    private static Task<(int ExitCode, string Output)> RunAsUserAsync(bool asRoot, string file, IReadOnlyList<string> args, CancellationToken cancellationToken) =>
        asRoot ? RunAsync("/usr/sbin/runuser", ["-u", "postgres", "--", file, .. args], cancellationToken) : RunAsync(file, args, cancellationToken);

    private static async Task RunCheckedAsync(string file, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var (exit, output) = await RunAsync(file, args, cancellationToken);
        if (exit != 0)
        {
            throw new InvalidOperationException($"{file} exited with {exit}: {output}");
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        // pg_ctl starts a server that outlives it; with -l its output goes to the log, but do not wait for EOF forever.
        var output = Task.WhenAll(stdout, stderr);
        await Task.WhenAny(output, Task.Delay(TimeSpan.FromSeconds(2), cancellationToken));
        return (process.ExitCode, output.IsCompletedSuccessfully ? stdout.Result + stderr.Result : "");
    }
}
