using System.Globalization;
using System.Text.RegularExpressions;

namespace Ligbox.Testing.Imapsync;

/// <summary>
/// The fake imapsync (tests/Ligbox.Tools.Tests/Imapsync/Fakes/fake-imapsync.pl) installed in a private
/// directory: it replays a recorded real imapsync 2.229 log, honours --logdir/--logfile, reads its
/// passfiles and prints its argv ("FAKE argv: ..."), its pid and its child's pid. imapsync itself cannot
/// be installed on these machines. Point <c>Tools:Imapsync:ImapsyncPath</c> at <see cref="ExecutablePath"/>.
/// </summary>
public sealed partial class FakeImapsync : IDisposable
{
    public FakeImapsync()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("ligbox-fake-imapsync-").FullName;
        ExecutablePath = System.IO.Path.Combine(Directory, "imapsync");
        File.Copy(System.IO.Path.Combine(AppContext.BaseDirectory, "FakeImapsync", "fake-imapsync.pl"), ExecutablePath);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(ExecutablePath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        Replay("justlogin-ok.log");
    }

    /// <summary>The directory holding the fake and its configuration.</summary>
    public string Directory { get; }

    /// <summary>The executable to configure as imapsync.</summary>
    public string ExecutablePath { get; }

    [GeneratedRegex(@"^Exiting with return value (\d+) ", RegexOptions.Multiline)]
    private static partial Regex ExitLine();

    /// <summary>A recorded real imapsync log (from tests/Ligbox.Tools.Tests/Resources/imapsync).</summary>
    public static string Log(string name)
    {
        var path = System.IO.Path.Combine(AppContext.BaseDirectory, "FakeImapsync", "logs", name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Recorded imapsync log '{name}' is missing at {path}.", path);
    }

    /// <summary>
    /// What the next runs replay. The exit code is the one the recorded run ended with (its
    /// "Exiting with return value N" line) unless <paramref name="exitCode"/> overrides it.
    /// </summary>
    public void Replay(string log, int? exitCode = null, double delay = 0, double firstPause = 0, bool spawnChild = false, bool leakPassword = false)
    {
        var path = Log(log);
        var recorded = ExitLine().Match(File.ReadAllText(path)) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        File.WriteAllLines(ExecutablePath + ".conf",
        [
            $"replay={path}",
            $"exit={exitCode ?? recorded}",
            FormattableString.Invariant($"delay={delay}"),
            FormattableString.Invariant($"first_pause={firstPause}"),
            $"spawn_child={(spawnChild ? 1 : 0)}",
            $"leak_password={(leakPassword ? 1 : 0)}",
        ]);
    }

    /// <summary>Takes the executable away (as if imapsync were uninstalled) until <see cref="Reinstall"/>.</summary>
    public void Uninstall() => File.Move(ExecutablePath, ExecutablePath + ".removed");

    public void Reinstall() => File.Move(ExecutablePath + ".removed", ExecutablePath);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
