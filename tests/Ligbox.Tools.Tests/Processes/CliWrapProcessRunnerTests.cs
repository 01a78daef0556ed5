using Ligbox.Testing.Processes;
using Ligbox.Tools.Processes;

namespace Ligbox.Tools.Tests.Processes;

public class CliWrapProcessRunnerTests
{
    private readonly CliWrapProcessRunner _runner = new();

    [Fact]
    public async Task ReturnsExitCodeAndLinesOfBothStreams_WhenProcessExits()
    {
        var lines = new List<OutputLine>();
        var spec = new ProcessSpec("bash", ["-c", "echo out1; echo err1 >&2; echo out2; exit 3"]) { OnOutputLine = lines.Add };

        var result = await _runner.RunAsync(spec);

        Assert.Equal(3, result.ExitCode);
        Assert.False(result.Succeeded);
        Assert.True(result.Duration > TimeSpan.Zero);
        Assert.Equal(["out1", "out2"], lines.Where(l => l.Stream == OutputStream.StandardOutput).Select(l => l.Text));
        Assert.Equal(["err1"], lines.Where(l => l.Stream == OutputStream.StandardError).Select(l => l.Text));
    }

    [Fact]
    public async Task PassesEachArgumentVerbatim_WhenArgumentsContainShellCharacters()
    {
        var lines = new List<string>();
        string[] args = ["-c", "printf '%s\\n' \"$@\"", "bash", "a b", "$(touch /tmp/ligbox-pwned)", "'quoted'", "semi;colon"];

        await _runner.RunAsync(new ProcessSpec("bash", args) { OnOutputLine = l => lines.Add(l.Text) });

        Assert.Equal(["a b", "$(touch /tmp/ligbox-pwned)", "'quoted'", "semi;colon"], lines);
        Assert.False(File.Exists("/tmp/ligbox-pwned"));
    }

    [Fact]
    public async Task DeliversLinesWhileRunning_WhenProcessIsSlow()
    {
        // The process waits (up to 30 s) for a file that only the handler of its first line creates: it ends with
        // "released" only if that line reached us while it ran. Measured against a sleep instead, a loaded machine
        // delayed the first line's delivery by most of the sleep and failed the test though the line streamed.
        var flag = Path.Combine(Path.GetTempPath(), $"ligbox-line-{Guid.NewGuid():N}");
        var lines = new List<string>();
        var spec = new ProcessSpec("bash", ["-c", "echo first; for i in $(seq 300); do [ -e \"$0\" ] && { echo released; exit 0; }; sleep 0.1; done; echo timed-out", flag])
        {
            OnOutputLine = line =>
            {
                lines.Add(line.Text);
                if (line.Text == "first")
                {
                    File.WriteAllText(flag, "");
                }
            },
        };
        try
        {
            var result = await _runner.RunAsync(spec);

            Assert.Equal(0, result.ExitCode);
            Assert.Equal(["first", "released"], lines);
        }
        finally
        {
            File.Delete(flag);
        }
    }

    [Fact]
    public async Task KillsProcessTree_WhenCancelled()
    {
        using var cts = new CancellationTokenSource();
        int? childPid = null;
        var spec = new ProcessSpec("bash", ["-c", "sleep 300 & echo child $!; wait"])
        {
            OnOutputLine = line =>
            {
                childPid = int.Parse(line.Text.Split(' ')[1]);
                cts.Cancel();
            },
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _runner.RunAsync(spec, cts.Token));

        Assert.NotNull(childPid);
        await ProcessAssert.ExitsAsync(childPid.Value);
    }

    [Fact]
    public async Task ThrowsTimeout_WhenProcessOutlivesItsTimeout()
    {
        var spec = new ProcessSpec("sleep", ["30"]) { Timeout = TimeSpan.FromMilliseconds(300) };

        await Assert.ThrowsAsync<TimeoutException>(() => _runner.RunAsync(spec));
    }

    [Fact]
    public async Task ThrowsToolNotFound_WhenExecutableDoesNotExist()
    {
        var ex = await Assert.ThrowsAsync<ToolNotFoundException>(
            () => _runner.RunAsync(new ProcessSpec("/nonexistent/ligbox-no-such-tool", [])));

        Assert.Equal("/nonexistent/ligbox-no-such-tool", ex.Path);
    }
}
