namespace Ligbox.Tools.Imapsync;

/// <summary>
/// A prepared imapsync invocation: the argument list plus the private files it refers to.
/// Disposing deletes the passfiles (and the private run directory), so wrap it in <c>using</c>:
/// they are removed whether the run succeeds, fails, throws or is cancelled.
/// </summary>
public sealed class ImapsyncCommand : IDisposable
{
    private readonly string _runDirectory;

    internal ImapsyncCommand(
        IReadOnlyList<string> arguments,
        string runDirectory,
        string passFile1Path,
        string passFile2Path,
        string pidFilePath,
        string logFilePath,
        IReadOnlyCollection<string> secrets)
    {
        Arguments = arguments;
        _runDirectory = runDirectory;
        PassFile1Path = passFile1Path;
        PassFile2Path = passFile2Path;
        PidFilePath = pidFilePath;
        LogFilePath = logFilePath;
        Secrets = secrets;
    }

    /// <summary>The argv for imapsync (no passwords in it).</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Private file holding host1's password (mode 0600).</summary>
    public string PassFile1Path { get; }

    /// <summary>Private file holding host2's password (mode 0600).</summary>
    public string PassFile2Path { get; }

    /// <summary>The per-run pidfile, so parallel runs never collide.</summary>
    public string PidFilePath { get; }

    /// <summary>The log file imapsync writes (<c>--logdir</c> + <c>--logfile</c>); kept after the run.</summary>
    public string LogFilePath { get; }

    /// <summary>The passwords of this run, for <see cref="Processes.SecretRedactor"/>.</summary>
    public IReadOnlyCollection<string> Secrets { get; }

    /// <summary>Deletes the passfiles and the private run directory. Safe to call more than once.</summary>
    public void Dispose()
    {
        DeleteQuietly(PassFile1Path);
        DeleteQuietly(PassFile2Path);
        try
        {
            if (Directory.Exists(_runDirectory))
            {
                Directory.Delete(_runDirectory, recursive: true);
            }
        }
        catch (IOException)
        {
            // The passfiles are gone (deleted above); a leftover empty directory or pidfile is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
