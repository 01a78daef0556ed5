using Ligbox.Tools.Processes;
using Microsoft.Extensions.Options;

namespace Ligbox.Tools.Imapsync;

/// <summary>Runs imapsync through <see cref="IProcessRunner"/>, streaming redacted output and parsing it as it arrives.</summary>
public sealed class ImapsyncRunner : IImapsyncRunner
{
    /// <summary>What to tell a technician when imapsync is missing.</summary>
    public const string InstallHint =
        "imapsync is not packaged in Debian 12: run 'sudo scripts/install-migration-tools.sh' (installs its Perl dependencies and fetches imapsync from upstream), or set Tools:Imapsync:ImapsyncPath to an existing imapsync.";

    private readonly IProcessRunner _processRunner;
    private readonly IOptions<ImapsyncSettings> _settings;

    /// <summary>Creates the runner.</summary>
    public ImapsyncRunner(IProcessRunner processRunner, IOptions<ImapsyncSettings> settings)
    {
        _processRunner = processRunner;
        _settings = settings;
    }

    /// <inheritdoc />
    public Task<ImapsyncRunResult> PreflightAsync(ImapsyncOptions options, Action<string>? onOutputLine = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return RunAsync(options with { JustLogin = true }, onOutputLine, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<ImapsyncRunResult> RunAsync(ImapsyncOptions options, Action<string>? onOutputLine = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = _settings.Value;
        var executable = ExecutableLocator.Find(settings.ImapsyncPath)
            ?? throw new ToolNotFoundException("imapsync", settings.ImapsyncPath, InstallHint);

        using var command = ImapsyncCommandBuilder.Prepare(options, options.LogDirectory ?? settings.LogDirectory, settings.WorkDirectory);
        var parser = new ImapsyncLogParser();
        var spec = new ProcessSpec(executable, command.Arguments)
        {
            Timeout = settings.RunTimeout,
            OnOutputLine = line =>
            {
                // imapsync masks its own password options, but --debugimap or a server echo could
                // still print one; nothing unredacted leaves this method.
                var text = SecretRedactor.Redact(line.Text, command.Secrets);
                parser.Feed(text);
                onOutputLine?.Invoke(text);
            },
        };

        var result = await _processRunner.RunAsync(spec, cancellationToken);

        var exit = ImapsyncExitCodes.Describe(result.ExitCode);
        var statistics = parser.GetStatistics() with { ExitCode = result.ExitCode, ExitMeaning = exit.Meaning };
        if (statistics.Duration == TimeSpan.Zero)
        {
            statistics = statistics with { Duration = result.Duration };
        }

        var logFile = File.Exists(command.LogFilePath) ? command.LogFilePath : null;
        return new ImapsyncRunResult(result.ExitCode, exit, statistics, logFile, result.Duration, parser.MostFrequentError)
        {
            CertificateRefusedOnHost = parser.CertificateRefusedOnHost,
        };
    }
}
