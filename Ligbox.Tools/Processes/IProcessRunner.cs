namespace Ligbox.Tools.Processes;

/// <summary>Runs an external program. Core and the wrappers depend on this so tests can fake it.</summary>
public interface IProcessRunner
{
    /// <summary>
    /// Starts <paramref name="spec"/>, streams its output lines to <see cref="ProcessSpec.OnOutputLine"/>
    /// while it runs, and waits for it to exit. A non-zero exit code is returned, not thrown.
    /// </summary>
    /// <param name="spec">What to run.</param>
    /// <param name="cancellationToken">Cancelling kills the process and all its children.</param>
    /// <returns>Exit code and timing.</returns>
    /// <exception cref="ToolNotFoundException">The executable does not exist or cannot be started.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the process tree was killed.</exception>
    /// <exception cref="TimeoutException"><see cref="ProcessSpec.Timeout"/> elapsed; the process tree was killed.</exception>
    Task<ToolResult> RunAsync(ProcessSpec spec, CancellationToken cancellationToken = default);
}
