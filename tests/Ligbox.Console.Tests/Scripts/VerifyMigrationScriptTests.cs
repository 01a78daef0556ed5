using System.Diagnostics;
using Xunit.Abstractions;

namespace Ligbox.Console.Tests.Scripts;

/// <summary>
/// scripts/verify-migration.sh end to end: its own two Dovecot servers, the console built with this test
/// project (headless, temp data directory, bootstrap token), the whole migration through the API.
/// </summary>
public class VerifyMigrationScriptTests(ITestOutputHelper output)
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

    private async Task<(int Exit, string Output)> RunAsync(string? breakKnob, string? path = null)
    {
        var start = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (path is not null)
        {
            start.Environment["PATH"] = path;
        }

        start.ArgumentList.Add(Path.Combine(RepoRoot, "scripts", "verify-migration.sh"));
        // The console next to this test assembly: the same build as the code under test.
        start.Environment["LIGBOX_CONSOLE_DLL"] = Path.Combine(AppContext.BaseDirectory, "Ligbox.Console.dll");
        start.Environment["VERIFY_BREAK"] = breakKnob ?? "";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        var text = await stdout + await stderr;
        output.WriteLine(text);
        return (process.ExitCode, text);
    }

    [Fact]
    public async Task FullMigration_Passes_WithEqualCountsPerFolder_AndTheGateReady()
    {
        var (exit, text) = await RunAsync(null);

        Assert.True(exit == 0, text);
        Assert.Contains("PASS: 29 of 29 messages in 4 folders on the destination (incl. 5 added before the delta); gate ready.", text);
        Assert.Matches(@"INBOX\s+15\s+15\s+ok", text);
        Assert.Matches(@"Work/Reports\s+5\s+5\s+ok", text);
        foreach (var run in new[] { "preflight", "initial", "delta", "final" })
        {
            Assert.Matches($@"Run {run}\s+Succeeded\s+[0-9.]+ s", text);
        }

        Assert.Contains("delta: Succeeded", text);
        Assert.Contains("5 messages copied", text);
        Assert.DoesNotContain("lgbx_", text);
    }

    [Fact]
    public async Task MissingTools_AreNamed_WithTheInstallScript_AndExitTwo()
    {
        // A PATH with only what the script needs before its check: no jq, curl or dotnet.
        var bin = Directory.CreateTempSubdirectory("verify-path-").FullName;
        try
        {
            foreach (var tool in new[] { "bash", "dirname" })
            {
                File.CreateSymbolicLink(Path.Combine(bin, tool), Path.Combine("/usr/bin", tool));
            }

            var (exit, text) = await RunAsync(null, bin);

            Assert.True(exit == 2, text);
            Assert.Contains("missing:", text);
            Assert.Contains("  - jq", text);
            Assert.Contains("  - curl", text);
            Assert.Contains("  - dotnet (the .NET 10 SDK)", text);
            Assert.Contains("scripts/install-test-deps.sh", text);
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }
    }

    [Fact]
    public async Task WrongDestinationPassword_Fails_AtPreflight_WithExitOne()
    {
        var (exit, text) = await RunAsync("wrongpass");

        Assert.True(exit == 1, text);
        Assert.Contains("FAIL:", text);
        Assert.Contains("preflight Failed", text);
        Assert.Contains("authentication failed for ana@verify.example on the destination", text);
        Assert.DoesNotContain("PASS", text);
        Assert.DoesNotContain("not-the-password", text);
    }
}
