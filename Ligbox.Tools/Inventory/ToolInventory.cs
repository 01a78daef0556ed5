using System.Text.RegularExpressions;
using Ligbox.Tools.Doveadm;
using Ligbox.Tools.Imapsync;
using Ligbox.Tools.Processes;
using Ligbox.Tools.Readpst;
using Microsoft.Extensions.Options;

namespace Ligbox.Tools.Inventory;

/// <summary>Finds the tools and runs their version commands, each with a timeout.</summary>
public sealed partial class ToolInventory : IToolInventory
{
    /// <summary>How long a version command may take.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    private readonly IProcessRunner _processRunner;
    private readonly IReadOnlyList<ToolProbe> _probes;

    /// <summary>Creates the inventory for the configured tool paths.</summary>
    public ToolInventory(IProcessRunner processRunner, IOptions<ReadpstSettings> readpst, IOptions<ImapsyncSettings> imapsync, IOptions<DoveadmSettings> doveadm)
    {
        _processRunner = processRunner;
        _probes =
        [
            new ToolProbe("readpst", readpst.Value.ReadpstPath, [(readpst.Value.ReadpstPath, ["-V"])], ReadpstRunner.InstallHint),
            new ToolProbe("imapsync", imapsync.Value.ImapsyncPath, [(imapsync.Value.ImapsyncPath, ["--version"])], ImapsyncRunner.InstallHint),
            // doveadm 2.3 has no version option (2.4 has); the dovecot binary of the same package answers.
            new ToolProbe("doveadm", doveadm.Value.DoveadmPath, [(doveadm.Value.DoveadmPath, ["--version"]), (doveadm.Value.DovecotPath, ["--version"])],
                "Install it with 'sudo apt-get install dovecot-core' or run 'sudo scripts/install-migration-tools.sh'."),
        ];
    }

    [GeneratedRegex(@"\d+(?:\.\d+)+")]
    private static partial Regex VersionNumber();

    /// <inheritdoc />
    public async Task<IReadOnlyList<ToolStatus>> DetectAsync(CancellationToken cancellationToken = default) =>
        await Task.WhenAll(_probes.Select(probe => ProbeAsync(probe, cancellationToken)));

    /// <summary>Detects one tool.</summary>
    /// <param name="probe">What to look for.</param>
    /// <param name="cancellationToken">Cancels the probe.</param>
    /// <returns>Its status; a missing tool is reported, not thrown.</returns>
    public async Task<ToolStatus> ProbeAsync(ToolProbe probe, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var path = ExecutableLocator.Find(probe.Executable);
        if (path is null)
        {
            return new ToolStatus(probe.Name, false, null, null, probe.InstallHint);
        }

        string? problem = null;
        foreach (var (executable, arguments) in probe.VersionCommands)
        {
            var lines = new List<string>();
            try
            {
                var result = await _processRunner.RunAsync(
                    new ProcessSpec(executable, arguments) { Timeout = ProbeTimeout, OnOutputLine = line => lines.Add(line.Text) },
                    cancellationToken);
                var version = result.Succeeded ? lines.Select(line => VersionNumber().Match(line)).FirstOrDefault(match => match.Success)?.Value : null;
                if (version is not null)
                {
                    return new ToolStatus(probe.Name, true, version, path, probe.InstallHint);
                }

                problem = $"'{executable} {string.Join(' ', arguments)}' exited with {result.ExitCode} and printed no version.";
            }
            catch (TimeoutException)
            {
                problem = $"'{executable} {string.Join(' ', arguments)}' did not answer within {ProbeTimeout.TotalSeconds:0} s.";
            }
            catch (ToolNotFoundException ex)
            {
                problem = ex.Message;
            }
        }

        return new ToolStatus(probe.Name, true, null, path, probe.InstallHint, problem);
    }
}
