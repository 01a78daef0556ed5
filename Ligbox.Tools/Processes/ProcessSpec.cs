namespace Ligbox.Tools.Processes;

/// <summary>Which stream of the child process a line came from.</summary>
public enum OutputStream
{
    /// <summary>Standard output.</summary>
    StandardOutput,

    /// <summary>Standard error.</summary>
    StandardError,
}

/// <summary>One line written by a child process.</summary>
/// <param name="Stream">The stream it was written to.</param>
/// <param name="Text">The line, without its line terminator.</param>
public readonly record struct OutputLine(OutputStream Stream, string Text);

/// <summary>
/// What to run: an executable and its arguments as a list. There is deliberately no way to pass a
/// shell command string, so nothing a user typed is ever interpreted by a shell.
/// </summary>
public sealed record ProcessSpec
{
    /// <summary>Creates a spec for <paramref name="fileName"/> with <paramref name="arguments"/>.</summary>
    public ProcessSpec(string fileName, IReadOnlyList<string> arguments)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        ArgumentNullException.ThrowIfNull(arguments);
        FileName = fileName;
        Arguments = arguments;
    }

    /// <summary>Executable name (looked up on PATH) or path.</summary>
    public string FileName { get; }

    /// <summary>Arguments, one element per argv entry; each is passed verbatim.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Working directory; the current directory when <c>null</c>.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Extra environment variables for the child.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>
    /// Called for every line of stdout and stderr as it arrives. Calls are serialised (never two at
    /// once), so the callback may feed a non-thread-safe parser.
    /// </summary>
    public Action<OutputLine>? OnOutputLine { get; init; }

    /// <summary>Kill the process when it runs longer than this; <c>null</c> for no limit.</summary>
    public TimeSpan? Timeout { get; init; }
}
