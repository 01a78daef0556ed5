using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ligbox.Testing.Processes;
using Ligbox.Tools.Imapsync;
using Ligbox.Tools.Processes;
using Ligbox.Tools.Tests.Support;
using Microsoft.Extensions.Options;

namespace Ligbox.Tools.Tests.Imapsync;

/// <summary>
/// Runs <see cref="ImapsyncRunner"/> against Imapsync/Fakes/fake-imapsync.pl, which replays a real
/// recorded imapsync log (imapsync cannot be installed on these machines).
/// </summary>
public class ImapsyncRunnerTests : IDisposable
{
    private const string Password1 = "src-S3cret!";
    private const string Password2 = "dst-P@ss w0rd";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private ImapsyncRunner Runner(string imapsyncPath) => new(
        new CliWrapProcessRunner(),
        Options.Create(new ImapsyncSettings { ImapsyncPath = imapsyncPath, LogDirectory = _temp.Combine("logs"), WorkDirectory = _temp.Combine("work") }));

    private string FakeImapsync(string replayLog, int exitCode = 0, double delay = 0, double firstPause = 0, bool spawnChild = false, bool leakPassword = false)
    {
        var fake = _temp.Combine("imapsync");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Imapsync", "Fakes", "fake-imapsync.pl"), fake, overwrite: true);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllLines(fake + ".conf",
        [
            $"replay={TestPaths.ImapsyncLog(replayLog)}",
            $"exit={exitCode}",
            FormattableString.Invariant($"delay={delay}"),
            FormattableString.Invariant($"first_pause={firstPause}"),
            $"spawn_child={(spawnChild ? 1 : 0)}",
            $"leak_password={(leakPassword ? 1 : 0)}",
        ]);
        Directory.CreateDirectory(_temp.Combine("work"));
        return fake;
    }

    private static ImapsyncOptions SyncOptions() => ImapsyncCommandBuilderTests.Options(Password1, Password2);

    private static string[] FakeArgv(IEnumerable<string> lines) =>
        lines.Single(l => l.StartsWith("FAKE argv: ", StringComparison.Ordinal))["FAKE argv: ".Length..].Split(' ');

    private static string PassFileFrom(IEnumerable<string> lines, string option)
    {
        var argv = FakeArgv(lines);
        return argv[Array.IndexOf(argv, option) + 1];
    }

    [Fact]
    public async Task StreamsLinesBeforeExit_WhenImapsyncIsStillRunning()
    {
        var runner = Runner(FakeImapsync("justlogin-ok.log", firstPause: 3));
        var stopwatch = Stopwatch.StartNew();
        TimeSpan? firstReplayedLineAt = null;

        var result = await runner.RunAsync(SyncOptions(), line =>
        {
            if (line.StartsWith("Here is imapsync", StringComparison.Ordinal))
            {
                firstReplayedLineAt = stopwatch.Elapsed;
            }
        });

        var finishedAt = stopwatch.Elapsed;

        Assert.True(result.Succeeded);
        Assert.NotNull(firstReplayedLineAt);
        // The fake pauses 3 s after its first line: that line must have arrived at least 1 s before the run ended (it
        // had 1.5 s of pause and 0.5 s of slack once, which a loaded 2-core machine used up).
        Assert.True(firstReplayedLineAt < finishedAt - TimeSpan.FromSeconds(1), $"first line at {firstReplayedLineAt}, run finished at {finishedAt}");
    }

    [Fact]
    public async Task ReturnsParsedStatisticsAndRawLog_WhenReplayingTheFullSync()
    {
        var runner = Runner(FakeImapsync("full-sync.log"));
        var lines = new List<string>();

        var result = await runner.RunAsync(SyncOptions(), lines.Add);

        Assert.True(result.Succeeded);
        Assert.Equal("EX_OK", result.Exit.Name);
        Assert.Equal("imapsync", result.Statistics.Engine);
        Assert.Equal(500, result.Statistics.MessagesTransferred);
        Assert.Equal(5111866, result.Statistics.BytesTransferred);
        Assert.Equal(500, result.Statistics.DestinationMessages);
        Assert.Equal(0, result.Statistics.ExitCode);
        Assert.Contains(lines, l => l.StartsWith("++++ Statistics", StringComparison.Ordinal));
        Assert.NotNull(result.LogFilePath);
        Assert.StartsWith(_temp.Combine("logs"), result.LogFilePath);
        Assert.Equal(File.ReadAllText(TestPaths.ImapsyncLog("full-sync.log")), File.ReadAllText(result.LogFilePath));
    }

    [Theory]
    [InlineData("justlogin-badpass.log", 162, "EXIT_AUTHENTICATION_FAILURE_USER2", 1)]
    [InlineData("unreachable-host1.log", 101, "EXIT_CONNECTION_FAILURE_HOST1", 1)]
    [InlineData("overquota-sync.log", 113, "EXIT_OVERQUOTA", 50)]
    public async Task ReportsExitMeaningAndDeletesPassfiles_WhenImapsyncFails(string log, int exitCode, string exitName, int errors)
    {
        var runner = Runner(FakeImapsync(log, exitCode));
        var lines = new List<string>();

        var result = await runner.RunAsync(SyncOptions(), lines.Add);

        Assert.False(result.Succeeded);
        Assert.Equal(exitCode, result.ExitCode);
        Assert.Equal(exitName, result.Exit.Name);
        Assert.Equal(result.Exit.Meaning, result.Statistics.ExitMeaning);
        Assert.Equal(errors, result.Statistics.Errors);
        Assert.NotNull(result.MostFrequentError);
        Assert.False(File.Exists(PassFileFrom(lines, "--passfile1")));
        Assert.False(File.Exists(PassFileFrom(lines, "--passfile2")));
    }

    [Fact]
    public async Task ChildReadsPassfilesButPasswordsNeverShow_WhenImapsyncRuns()
    {
        var runner = Runner(FakeImapsync("justlogin-ok.log", leakPassword: true));
        var lines = new List<string>();

        await runner.RunAsync(SyncOptions(), lines.Add);

        // The child read the passwords from its 0600 passfiles while it ran...
        Assert.Contains($"FAKE passfile1 sha256 {Sha256(Password1)}", lines);
        Assert.Contains($"FAKE passfile2 sha256 {Sha256(Password2)}", lines);
        Assert.Contains("FAKE passfile1 mode 0600", lines);
        Assert.Contains("FAKE passfile2 mode 0600", lines);
        // ...but no password was in its argv, and what it printed was redacted, on stdout and stderr.
        Assert.DoesNotContain(FakeArgv(lines), arg => arg.Contains("S3cret") || arg.Contains("P@ss"));
        Assert.DoesNotContain(lines, l => l.Contains(Password1) || l.Contains(Password2));
        Assert.Contains("Sending: 2 LOGIN mig MASKED", lines);
        Assert.Contains("FAKE stderr: password was MASKED", lines);
        Assert.False(File.Exists(PassFileFrom(lines, "--passfile1")));
    }

    [Fact]
    public async Task WritesTheLogIntoTheRunsOwnDirectory_WhenTheOptionsNameOne()
    {
        var runner = Runner(FakeImapsync("full-sync.log"));
        var runLogs = _temp.Combine("logs", "job1", "run1");
        var lines = new List<string>();

        var result = await runner.RunAsync(SyncOptions() with { LogDirectory = runLogs, RunName = "initial-mailbox1" }, lines.Add);

        Assert.Equal(Path.Combine(runLogs, "initial-mailbox1.log"), result.LogFilePath);
        Assert.True(File.Exists(result.LogFilePath));
        Assert.Equal(runLogs, FakeArgv(lines)[Array.IndexOf(FakeArgv(lines), "--logdir") + 1]);
    }

    [Fact]
    public async Task AddsJustLogin_WhenPreflight()
    {
        var runner = Runner(FakeImapsync("justlogin-ok.log"));
        var lines = new List<string>();

        var result = await runner.PreflightAsync(SyncOptions(), lines.Add);

        Assert.True(result.Succeeded);
        Assert.Equal("--justlogin", FakeArgv(lines)[^1]);
        Assert.Contains("--nodockercontext", FakeArgv(lines));
    }

    [Fact]
    public async Task KillsImapsyncAndDeletesPassfiles_WhenCancelled()
    {
        var runner = Runner(FakeImapsync("full-sync.log", delay: 0.05, spawnChild: true));
        using var cts = new CancellationTokenSource();
        var lines = new List<string>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(SyncOptions(), line =>
        {
            lines.Add(line);
            if (line.StartsWith("Here is imapsync", StringComparison.Ordinal))
            {
                cts.Cancel();
            }
        }, cts.Token));

        int Pid(string prefix) => int.Parse(lines.Single(l => l.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..], CultureInfo.InvariantCulture);
        await ProcessAssert.ExitsAsync(Pid("FAKE pid "));
        await ProcessAssert.ExitsAsync(Pid("FAKE child pid "));
        Assert.False(File.Exists(PassFileFrom(lines, "--passfile1")));
        Assert.False(File.Exists(PassFileFrom(lines, "--passfile2")));
        Assert.Empty(Directory.GetFileSystemEntries(_temp.Combine("work")));
    }

    [Fact]
    public async Task ThrowsToolNotFoundPointingToInstallScript_WhenImapsyncIsMissing()
    {
        var runner = Runner("/nonexistent/imapsync");

        var ex = await Assert.ThrowsAsync<ToolNotFoundException>(() => runner.RunAsync(SyncOptions()));

        Assert.Equal("imapsync", ex.Tool);
        Assert.Contains("scripts/install-migration-tools.sh", ex.Message);
        Assert.Empty(Directory.Exists(_temp.Combine("work")) ? Directory.GetFileSystemEntries(_temp.Combine("work")) : []);
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
