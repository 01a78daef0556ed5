namespace Ligbox.Tools.Processes;

/// <summary>How a child process ended.</summary>
/// <param name="ExitCode">The process exit code.</param>
/// <param name="StartTime">When it was started.</param>
/// <param name="ExitTime">When it exited.</param>
public sealed record ToolResult(int ExitCode, DateTimeOffset StartTime, DateTimeOffset ExitTime)
{
    /// <summary>Wall-clock run time.</summary>
    public TimeSpan Duration => ExitTime - StartTime;

    /// <summary><c>true</c> when the exit code is 0.</summary>
    public bool Succeeded => ExitCode == 0;
}
