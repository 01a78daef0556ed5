using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Xunit.Abstractions;
using Ligbox.Testing.Processes;

namespace Ligbox.Console.Tests.Infrastructure;

/// <summary>
/// The real console (the built Ligbox.Console.dll) as its own process on a test's data directory, so a test can kill it
/// with SIGKILL: no shutdown code runs, as when the host crashes. Disposing kills it (and its children) if it still runs.
/// </summary>
internal sealed class OutOfProcessConsole : IDisposable
{
    private readonly ITestOutputHelper _output;

    private OutOfProcessConsole(Process process, int port, ITestOutputHelper output)
    {
        Process = process;
        Port = port;
        _output = output;
    }

    public Process Process { get; }

    public int Port { get; }

    /// <summary>Starts the console on <paramref name="dataDir"/>; <paramref name="settings"/> are configuration keys (<c>Tools:Doveadm:ConfigFile</c>).</summary>
    public static OutOfProcessConsole Start(string dataDir, ITestOutputHelper output, IDictionary<string, string?>? settings = null)
    {
        var dll = ConsoleDll();
        var port = LoopbackPort.Free();
        var info = ConsoleProcess.StartInfo(dll, port, dataDir, LigboxAppFactory.AdminEmail, LigboxAppFactory.AdminPassword);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(info)!;
        var console = new OutOfProcessConsole(process, port, output);
        process.OutputDataReceived += (_, e) => console.Log(e.Data);
        process.ErrorDataReceived += (_, e) => console.Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return console;
    }

    /// <summary>An API client with a bearer token, once the console answers.</summary>
    public async Task<HttpClient> ApiAsync(string token)
    {
        var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}") };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var sw = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(Process.HasExited, $"the console exited with {(Process.HasExited ? Process.ExitCode : 0)}");
            try
            {
                using var response = await api.GetAsync("/api/migration/jobs");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return api;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(90), "the console did not start");
            await Task.Delay(200);
        }
    }

    /// <summary>Waits until the console answers <c>/healthz</c> (any status: a worker node serves nothing else).</summary>
    public async Task WaitUntilListeningAsync(TimeSpan? timeout = null)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}") };
        var sw = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(Process.HasExited, $"the console exited with {(Process.HasExited ? Process.ExitCode : 0)}");
            try
            {
                using var response = await http.GetAsync("/healthz");
                return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Assert.True(sw.Elapsed < (timeout ?? TimeSpan.FromSeconds(120)), "the console did not start");
            await Task.Delay(200);
        }
    }

    /// <summary>The processes the console started (external tools), and theirs, read from <c>/proc</c>.</summary>
    public IReadOnlyList<int> Descendants()
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // "pid (comm) state ppid ...": comm may hold spaces, so read after its closing parenthesis.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The process ended meanwhile.
            }
        }

        var found = new List<int>();
        var queue = new Queue<int>([Process.Id]);
        while (queue.TryDequeue(out var parent))
        {
            foreach (var child in parents.Where(p => p.Value == parent).Select(p => p.Key))
            {
                found.Add(child);
                queue.Enqueue(child);
            }
        }

        return found;
    }

    /// <summary>SIGKILL to the console only; its children, if any, are left running.</summary>
    public async Task KillAsync()
    {
        Process.Kill();
        await Process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }

        Process.Dispose();
    }

    private void Log(string? line)
    {
        if (line is null)
        {
            return;
        }

        try
        {
            _output.WriteLine("console: " + line);
        }
        catch (InvalidOperationException)
        {
            // The test has ended.
        }
    }

    /// <summary>The console built beside this repository's Ligbox.Console project, in this test's configuration.</summary>
    private static string ConsoleDll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ligbox.slnx")))
            {
                var path = Path.Combine(dir.FullName, "Ligbox.Console", "bin", configuration, "net10.0", "Ligbox.Console.dll");
                return File.Exists(path) ? path : throw new FileNotFoundException($"Build the console first: '{path}' is missing.", path);
            }
        }

        throw new InvalidOperationException("Ligbox.slnx not found.");
    }
}
