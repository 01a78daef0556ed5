using System.Diagnostics;
using System.Security.Cryptography;
using Ligbox.Testing.Imapsync;
using Ligbox.Tools.Tests.Support;

namespace Ligbox.Tools.Tests.Imapsync;

/// <summary>
/// scripts/install-migration-tools.sh installing imapsync into a temp prefix with its upstream unreachable
/// (a closed local port): from a local copy, or failing with a non-zero exit when there is none.
/// </summary>
public sealed class InstallMigrationToolsScriptTests : IDisposable
{
    private readonly string _prefix = Directory.CreateTempSubdirectory("lbx-install-").FullName;

    public void Dispose() => Directory.Delete(_prefix, recursive: true);

    private string Destination => Path.Combine(_prefix, "bin", "imapsync");

    private async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(TestPaths.RepoRoot, "scripts", "install-migration-tools.sh"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["SKIP_PACKAGES"] = "1";
        start.Environment["IMAPSYNC_DEST"] = Destination;
        start.Environment["IMAPSYNC_UPSTREAM"] = "http://127.0.0.1:9/imapsync";
        start.Environment["FETCH_TIMEOUT"] = "3";
        // No imapsync on PATH, so the script cannot find one already installed.
        start.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task InstallsImapsyncFromALocalCopy_WhenUpstreamIsUnreachable()
    {
        var (exit, output) = await RunAsync("--imapsync-from", RealImapsync.Path);

        Assert.True(exit == 0, output);
        Assert.Contains("is not reachable from this machine", output, StringComparison.Ordinal);
        Assert.Contains($"imapsync: installed 2.229 from {RealImapsync.Path} to {Destination}", output, StringComparison.Ordinal);
        Assert.Equal(SHA256.HashData(await File.ReadAllBytesAsync(RealImapsync.Path)), SHA256.HashData(await File.ReadAllBytesAsync(Destination)));
        Assert.True(File.GetUnixFileMode(Destination).HasFlag(UnixFileMode.UserExecute));
    }

    [Fact]
    public async Task ExitsNonZero_WhenImapsyncEndsUpMissing()
    {
        var (exit, output) = await RunAsync("--imapsync-from", Path.Combine(_prefix, "no-such-imapsync"));

        Assert.Equal(1, exit);
        Assert.Contains("no local copy at", output, StringComparison.Ordinal);
        Assert.Contains("FAILED: imapsync is not installed", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Destination));
    }

    [Fact]
    public async Task RefusesALocalFileThatIsNotImapsync()
    {
        var fake = Path.Combine(_prefix, "imapsync-fake");
        await File.WriteAllTextAsync(fake, "<html>captive portal</html>\n");

        var (exit, output) = await RunAsync("--imapsync-from", fake);

        Assert.Equal(1, exit);
        Assert.Contains("is not a working imapsync", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Destination));
    }
}
