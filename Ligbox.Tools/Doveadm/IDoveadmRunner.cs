namespace Ligbox.Tools.Doveadm;

/// <summary>The outcome of a doveadm command.</summary>
/// <param name="ExitCode">doveadm's exit code.</param>
/// <param name="Meaning">Plain words for it.</param>
/// <param name="Output">Its output lines (stdout and stderr, redacted).</param>
/// <param name="Duration">Wall-clock duration.</param>
public sealed record DoveadmResult(int ExitCode, string Meaning, IReadOnlyList<string> Output, TimeSpan Duration)
{
    /// <summary><c>true</c> for exit code 0.</summary>
    public bool Succeeded => ExitCode == 0;
}

/// <summary>Runs doveadm (the Dovecot-to-Dovecot path). Core depends on this so its tests can fake it.</summary>
public interface IDoveadmRunner
{
    /// <summary>The Dovecot version (doveadm 2.3 has no version option, so <c>dovecot --version</c> is asked too); <c>null</c> when neither answers.</summary>
    Task<string?> GetVersionAsync(CancellationToken cancellationToken = default);

    /// <summary>Message counts and sizes of <paramref name="user"/>'s mailboxes.</summary>
    /// <exception cref="DoveadmException">doveadm failed (unknown user, server not running, ...).</exception>
    /// <exception cref="Processes.ToolNotFoundException">doveadm is not installed.</exception>
    Task<IReadOnlyList<DoveadmMailboxStatus>> MailboxStatusAsync(string user, string mailboxMask = "*", CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes local <paramref name="user"/> an exact copy of the remote IMAP account (<c>doveadm backup -R</c>
    /// from imapc). The password goes through a private 0600 config file, never argv.
    /// </summary>
    /// <exception cref="Processes.ToolNotFoundException">doveadm is not installed.</exception>
    Task<DoveadmResult> BackupFromImapcAsync(string user, ImapcSource source, string password, Action<string>? onOutputLine = null, CancellationToken cancellationToken = default);
}

/// <summary>doveadm failed where a result was needed.</summary>
public sealed class DoveadmException(DoveadmResult result)
    : Exception($"doveadm failed with exit code {result.ExitCode} ({result.Meaning}): {result.Output.LastOrDefault(line => line.Length > 0) ?? "no output"}")
{
    /// <summary>The failed command's result.</summary>
    public DoveadmResult Result { get; } = result;
}
