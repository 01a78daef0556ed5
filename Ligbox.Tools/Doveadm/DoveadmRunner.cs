using System.Text.RegularExpressions;
using Ligbox.Tools.Processes;
using Microsoft.Extensions.Options;

namespace Ligbox.Tools.Doveadm;

/// <summary>Runs doveadm through <see cref="IProcessRunner"/>.</summary>
public sealed partial class DoveadmRunner : IDoveadmRunner
{
    /// <summary>What to tell a technician when doveadm is missing.</summary>
    public const string InstallHint = "Install it with 'sudo apt-get install dovecot-core' or run 'sudo scripts/install-migration-tools.sh'.";

    private static readonly TimeSpan VersionTimeout = TimeSpan.FromSeconds(5);
    private readonly IProcessRunner _processRunner;
    private readonly IOptions<DoveadmSettings> _settings;

    /// <summary>Creates the runner.</summary>
    public DoveadmRunner(IProcessRunner processRunner, IOptions<DoveadmSettings> settings)
    {
        _processRunner = processRunner;
        _settings = settings;
    }

    [GeneratedRegex(@"\d+(?:\.\d+)+")]
    private static partial Regex VersionNumber();

    /// <summary>Plain words for doveadm's exit codes (sysexits, plus Dovecot's own 2 and 89 = FATAL_DEFAULT).</summary>
    public static string DescribeExitCode(int code) => code switch
    {
        0 => "Finished successfully.",
        2 => "The mailboxes changed during the sync; run it again to finish.",
        64 => "doveadm rejected its command line (usage error).",
        65 => "Bad input data.",
        67 => "The user does not exist on this Dovecot.",
        68 => "The mailbox or source was not found.",
        75 => "Temporary failure: Dovecot's configuration could not be read, its service is not running, or a server was unreachable; see the output.",
        77 => "Permission denied.",
        89 => "doveadm stopped with a fatal error (e.g. an invalid option); see the output.",
        _ => $"doveadm exited with unexpected code {code}.",
    };

    /// <inheritdoc />
    public async Task<string?> GetVersionAsync(CancellationToken cancellationToken = default)
    {
        var settings = _settings.Value;
        foreach (var (executable, arguments) in new[] { (settings.DoveadmPath, new[] { "--version" }), (settings.DovecotPath, ["--version"]) })
        {
            if (ExecutableLocator.Find(executable) is null)
            {
                continue;
            }

            var lines = new List<string>();
            try
            {
                var result = await _processRunner.RunAsync(new ProcessSpec(executable, arguments) { Timeout = VersionTimeout, OnOutputLine = l => lines.Add(l.Text) }, cancellationToken);
                var match = result.Succeeded ? lines.Select(l => VersionNumber().Match(l)).FirstOrDefault(m => m.Success) : null;
                if (match is not null)
                {
                    return match.Value;
                }
            }
            catch (TimeoutException)
            {
            }
        }

        return null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DoveadmMailboxStatus>> MailboxStatusAsync(string user, string mailboxMask = "*", CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(DoveadmCommands.MailboxStatus(user, mailboxMask, configFile: _settings.Value.ConfigFile), null, [], stdoutOnly: true, cancellationToken);
        if (!result.Succeeded)
        {
            throw new DoveadmException(result);
        }

        return DoveadmMailboxStatusParser.Parse(result.Output);
    }

    /// <inheritdoc />
    public async Task<DoveadmResult> BackupFromImapcAsync(string user, ImapcSource source, string password, Action<string>? onOutputLine = null, CancellationToken cancellationToken = default)
    {
        var baseConfig = _settings.Value.ConfigFile ?? "/etc/dovecot/dovecot.conf";
        using var command = DoveadmCommands.PrepareBackupFromImapc(user, source, password, baseConfig);
        return await RunAsync(command.Arguments, onOutputLine, command.Secrets, stdoutOnly: false, cancellationToken);
    }

    private async Task<DoveadmResult> RunAsync(IReadOnlyList<string> arguments, Action<string>? onOutputLine, IReadOnlyCollection<string> secrets, bool stdoutOnly, CancellationToken cancellationToken)
    {
        var path = _settings.Value.DoveadmPath;
        var executable = ExecutableLocator.Find(path) ?? throw new ToolNotFoundException("doveadm", path, InstallHint);
        var output = new List<string>();
        var errors = new List<string>();
        var spec = new ProcessSpec(executable, arguments)
        {
            OnOutputLine = line =>
            {
                var text = SecretRedactor.Redact(line.Text, secrets);
                (stdoutOnly && line.Stream == OutputStream.StandardError ? errors : output).Add(text);
                onOutputLine?.Invoke(text);
            },
        };

        var result = await _processRunner.RunAsync(spec, cancellationToken);
        // Parsed output stays clean; on failure the stderr lines are what explains it.
        return new DoveadmResult(result.ExitCode, DescribeExitCode(result.ExitCode), result.Succeeded ? output : [.. output, .. errors], result.Duration);
    }
}
