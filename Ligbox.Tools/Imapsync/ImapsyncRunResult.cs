using Ligbox.Tools.Statistics;

namespace Ligbox.Tools.Imapsync;

/// <summary>The outcome of one imapsync run.</summary>
/// <param name="ExitCode">imapsync's exit code.</param>
/// <param name="Exit">What the exit code means, in plain words.</param>
/// <param name="Statistics">Figures parsed from its output (<c>Engine = "imapsync"</c>).</param>
/// <param name="LogFilePath">The raw log imapsync wrote (passwords appear as MASKED), or <c>null</c> when it wrote none.</param>
/// <param name="Duration">Wall-clock duration of the process.</param>
/// <param name="MostFrequentError">imapsync's "most frequent error" advice, when it printed one.</param>
public sealed record ImapsyncRunResult(
    int ExitCode,
    ImapsyncExit Exit,
    SyncStatistics Statistics,
    string? LogFilePath,
    TimeSpan Duration,
    string? MostFrequentError)
{
    /// <summary>1 (source) or 2 (destination) when imapsync refused that server's TLS certificate; <c>null</c> otherwise.</summary>
    public int? CertificateRefusedOnHost { get; init; }

    /// <summary><c>true</c> when imapsync exited with 0.</summary>
    public bool Succeeded => ExitCode == 0;
}
