using System.ComponentModel;
using System.Text;
using CliWrap;

namespace Ligbox.Tools.Processes;

/// <summary><see cref="IProcessRunner"/> on CliWrap.</summary>
public sealed class CliWrapProcessRunner : IProcessRunner
{
    /// <inheritdoc />
    public async Task<ToolResult> RunAsync(ProcessSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);

        var executable = ExecutableLocator.Find(spec.FileName)
            ?? throw new ToolNotFoundException(spec.FileName, spec.FileName, "Check that it is installed and on PATH.");

        var gate = new Lock();
        var callback = spec.OnOutputLine;
        PipeTarget Pipe(OutputStream stream) => callback is null
            ? PipeTarget.Null
            : PipeTarget.ToDelegate(
                line =>
                {
                    // stdout and stderr are read on different threads; callers get one line at a time.
                    lock (gate)
                    {
                        callback(new OutputLine(stream, line));
                    }
                },
                Encoding.UTF8);

        var command = Cli.Wrap(executable)
            .WithArguments(spec.Arguments)
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(Pipe(OutputStream.StandardOutput))
            .WithStandardErrorPipe(Pipe(OutputStream.StandardError))
            .WithEnvironmentVariables(ChildEnvironment.For(spec.Environment));
        if (spec.WorkingDirectory is not null)
        {
            command = command.WithWorkingDirectory(spec.WorkingDirectory);
        }

        using var timeout = new CancellationTokenSource();
        if (spec.Timeout is { } limit)
        {
            timeout.CancelAfter(limit);
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            // Forceful cancellation: CliWrap kills the whole process tree. Graceful (SIGINT) is not
            // used because imapsync treats SIGINT as "reconnect", not "stop".
            var result = await command.ExecuteAsync(linked.Token);
            return new ToolResult(result.ExitCode, result.StartTime, result.ExitTime);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{spec.FileName} did not finish within {spec.Timeout} and was killed.");
        }
        catch (Exception ex) when (ex is Win32Exception || ex.InnerException is Win32Exception)
        {
            throw new ToolNotFoundException(spec.FileName, executable, "It exists but could not be started; check its permissions and interpreter.", ex);
        }
    }
}
