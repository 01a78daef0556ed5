namespace Ligbox.Tools.Processes;

/// <summary>Finds an executable the way a shell would: a path is checked as is, a bare name on PATH.</summary>
public static class ExecutableLocator
{
    // sbin directories are not on PATH for non-root users, but dovecot lives there.
    private static readonly string[] ExtraDirectories = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

    /// <summary>Returns the full path of an executable file, or <c>null</c> when there is none.</summary>
    /// <param name="nameOrPath">A bare name such as <c>readpst</c>, or a relative or absolute path.</param>
    public static string? Find(string nameOrPath)
    {
        if (string.IsNullOrWhiteSpace(nameOrPath))
        {
            return null;
        }

        if (nameOrPath.Contains('/'))
        {
            var full = System.IO.Path.GetFullPath(nameOrPath);
            return IsExecutableFile(full) ? full : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        var directories = path.Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Concat(ExtraDirectories);
        foreach (var directory in directories)
        {
            var candidate = System.IO.Path.Combine(directory, nameOrPath);
            if (IsExecutableFile(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool IsExecutableFile(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(path) & anyExecute) != 0;
    }
}
