namespace Ligbox.Tools.Imapsync;

/// <summary>Runs imapsync. Core depends on this interface so its tests can fake it.</summary>
public interface IImapsyncRunner
{
    /// <summary>Runs one imapsync pass and parses its output.</summary>
    /// <param name="options">The run.</param>
    /// <param name="onOutputLine">Receives each output line (already redacted) as imapsync prints it.</param>
    /// <param name="cancellationToken">Cancelling kills imapsync; its passfiles are still deleted.</param>
    /// <returns>Exit code and meaning, statistics and the path of the raw log.</returns>
    /// <exception cref="Processes.ToolNotFoundException">imapsync is not installed at the configured path.</exception>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    /// <exception cref="TimeoutException">The run exceeded <see cref="ImapsyncSettings.RunTimeout"/>.</exception>
    Task<ImapsyncRunResult> RunAsync(ImapsyncOptions options, Action<string>? onOutputLine = null, CancellationToken cancellationToken = default);

    /// <summary>Preflight: logs in to both servers and exits (<c>--justlogin</c>), moving no mail.</summary>
    /// <inheritdoc cref="RunAsync" />
    Task<ImapsyncRunResult> PreflightAsync(ImapsyncOptions options, Action<string>? onOutputLine = null, CancellationToken cancellationToken = default);
}
