using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace Ligbox.Console.Tests.Uploads;

/// <summary>
/// Runs tests/js/tus-upload.mjs (the official tus-js-client) with Node. Headers go through the
/// TUS_HEADERS environment variable, never argv. Missing node or node_modules fails the test loudly.
/// </summary>
internal static class NodeTusClient
{
    private static readonly Lazy<string> Root = new(FindRepoRoot);

    public static string JsDirectory => Path.Combine(Root.Value, "tests", "js");

    public static async Task<NodeRun> RunAsync(
        IReadOnlyDictionary<string, string> headers, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        EnsureInstalled();
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = JsDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(JsDirectory, "tus-upload.mjs"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["TUS_HEADERS"] = JsonSerializer.Serialize(headers);

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"tus-upload.mjs did not finish in time.\nstdout:\n{await stdout}\nstderr:\n{await stderr}");
        }

        var output = await stdout;
        var events = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .ToList();
        return new NodeRun(process.ExitCode, events, output, await stderr);
    }

    private static void EnsureInstalled()
    {
        if (!File.Exists(Path.Combine(JsDirectory, "node_modules", "tus-js-client", "package.json")))
        {
            throw new InvalidOperationException(
                $"tus-js-client is not installed in {JsDirectory}/node_modules. Run scripts/test.sh, or `npm ci` in tests/js.");
        }

        try
        {
            using var version = Process.Start(new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true })!;
            version.WaitForExit();
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException(
                "Node.js is not installed (needed to run the official tus-js-client). Run scripts/test.sh, which installs nodejs and npm.", ex);
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ligbox.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Ligbox.slnx not found above {AppContext.BaseDirectory}.");
    }
}

internal sealed record NodeRun(int ExitCode, IReadOnlyList<JsonElement> Events, string Stdout, string Stderr)
{
    public IEnumerable<JsonElement> All(string name) =>
        Events.Where(e => e.TryGetProperty("event", out var type) && type.GetString() == name);

    public JsonElement? Find(string name) => All(name).Select(e => (JsonElement?)e).LastOrDefault();

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}
