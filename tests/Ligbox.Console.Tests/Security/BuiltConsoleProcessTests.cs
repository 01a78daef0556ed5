using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using Ligbox.Testing.Processes;

namespace Ligbox.Console.Tests.Security;

/// <summary>
/// The build output started as an operator would without the launch profile
/// (<c>dotnet Ligbox.Console/bin/Release/net10.0/Ligbox.Console.dll</c>, Production): it listens where
/// ASPNETCORE_URLS says, serves its static assets (they all answered 500 before), sends no Server header, and runs
/// with the garbage collector settings the project ships (docs/sizing.md).
/// </summary>
public class BuiltConsoleProcessTests(ITestOutputHelper output)
{
    private static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Ligbox.slnx")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("Repository root not found.");
        }
    }

    /// <summary>
    /// The benchmarks measure the engine in their own process: with the console's runtime settings, as it ships
    /// (ConsoleRuntime.props). Without them row 1's pass used a median 2.4 s of CPU instead of 1.4 s (session 21).
    /// </summary>
    [Theory]
    [InlineData("Ligbox.Bench")]
    [InlineData("Ligbox.PstBench")]
    [InlineData("Ligbox.TgzBench")]
    public void Benchmarks_RunWithTheConsolesRuntimeSettings(string bench)
    {
        static System.Text.Json.Nodes.JsonObject Settings(string file)
        {
            Assert.True(File.Exists(file), $"Build the solution first (scripts/test.sh does): {file}");
            return System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(file))!["runtimeOptions"]!["configProperties"]!.AsObject();
        }

        var console = Settings(Path.Combine(RepoRoot, "Ligbox.Console", "bin", "Release", "net10.0", "Ligbox.Console.runtimeconfig.json"));
        var measured = Settings(Path.Combine(RepoRoot, "tests", bench, "bin", "Release", "net10.0", bench + ".runtimeconfig.json"));
        foreach (var key in new[] { "System.GC.ConserveMemory", "System.GC.Gen0MaxBudget", "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", "System.GC.Server", "System.Runtime.TieredPGO" })
        {
            Assert.True(console.ContainsKey(key), $"the console's runtimeconfig has no {key}");
            Assert.Equal(console[key]!.ToJsonString(), measured[key]?.ToJsonString());
        }
    }

    [Fact]
    public async Task BuildOutput_InProduction_ServesStaticAssets_OnTheConfiguredUrl()
    {
        var dll = Path.Combine(RepoRoot, "Ligbox.Console", "bin", "Release", "net10.0", "Ligbox.Console.dll");
        Assert.True(File.Exists(dll), $"Build the console first: {dll}");
        var work = Path.Combine(Path.GetTempPath(), "ligbox-tests", "built-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        var pfx = Path.Combine(work, "dp.pfx");
        using (var rsa = RSA.Create(2048))
        {
            using var cert = new CertificateRequest("CN=ligbox test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllBytesAsync(pfx, cert.Export(X509ContentType.Pfx, "pfx-password"));
        }

        var port = LoopbackPort.Free();
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(dll)!, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["Ligbox__DataDir"] = Path.Combine(work, "data");
        start.Environment["Ligbox__DataProtection__CertificatePath"] = pfx;
        start.Environment["Ligbox__DataProtection__CertificatePassword"] = "pfx-password";
        start.Environment["Ligbox__Admin__Password"] = "Built-Console-Passw0rd!";
        start.Environment["MALLOC_ARENA_MAX"] = "2";   // the Dockerfile's ENV (ComposeFileTests)
        using var process = Process.Start(start)!;
        var log = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        // The handlers append on their own threads: read the log under the same lock.
        string Log()
        {
            lock (log)
            {
                return log.ToString();
            }
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(20) };
            HttpResponseMessage? login = null;
            for (var waited = Stopwatch.StartNew(); login is null; await Task.Delay(500))
            {
                Assert.False(process.HasExited, $"The console exited ({(process.HasExited ? process.ExitCode : 0)}):\n{Log()}");
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(240), $"The console did not answer on port {port}:\n{Log()}");
                try
                {
                    login = await http.GetAsync("account/login");
                }
                catch (HttpRequestException)
                {
                }
            }

            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            Assert.False(login.Headers.Contains("Server"), "no Server header");
            // Issue 18: the shipped runtime settings (Ligbox.Console/ConsoleRuntime.props) are the ones the process got.
            Assert.Contains("Runtime: Workstation GC, concurrent, gen0 budget at most 8 MiB, conserve memory 7; thread-pool spin limit 0; malloc arenas at most 2", Log());
            var html = await login.Content.ReadAsStringAsync();
            var mudCss = Regex.Match(html, "href=\"(_content/MudBlazor/[^\"]+\\.css)\"").Groups[1].Value;
            Assert.NotEmpty(mudCss);
            foreach (var asset in new[] { "_framework/blazor.web.js", "_content/MudBlazor/MudBlazor.min.js", "_content/MudBlazor/MudBlazor.min.css", mudCss, "app.css" })
            {
                using var response = await http.GetAsync(asset);
                output.WriteLine($"{asset}: {(int)response.StatusCode} {response.Content.Headers.ContentLength} bytes");
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{asset}: {(int)response.StatusCode}");
                Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 100, asset);
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            output.WriteLine(Log());
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(work, recursive: true);
        }
    }
}
