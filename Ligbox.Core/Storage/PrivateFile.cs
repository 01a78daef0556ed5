namespace Ligbox.Core.Storage;

/// <summary>
/// Files the console writes under its data directory (run logs, quarantined messages and their index, import
/// parameters) are created readable by the console's user only (0600), whatever the process's umask: they hold
/// customers' mail and its metadata. A process-wide umask is not used because it would also apply to the tools
/// and servers the console (or its tests) start.
/// </summary>
public static class PrivateFile
{
    /// <summary>Read and write for the owner only.</summary>
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Opens <paramref name="path"/> for writing; a file it creates gets <see cref="Mode"/>.</summary>
    public static FileStream Open(string path, FileMode mode, FileShare share = FileShare.None)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write, Share = share };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = Mode;
        }

        return new FileStream(path, options);
    }

    /// <summary>Appends text to <paramref name="path"/>, creating it with <see cref="Mode"/> when it is missing.</summary>
    public static async Task AppendTextAsync(string path, string text, CancellationToken cancellationToken = default)
    {
        await using var writer = new StreamWriter(Open(path, FileMode.Append, FileShare.Read));
        await writer.WriteAsync(text.AsMemory(), cancellationToken);
    }

    /// <summary>Writes <paramref name="text"/> as the whole content of a new or replaced file with <see cref="Mode"/>.</summary>
    public static async Task WriteTextAsync(string path, string text, CancellationToken cancellationToken = default)
    {
        await using var writer = new StreamWriter(Open(path, FileMode.Create));
        await writer.WriteAsync(text.AsMemory(), cancellationToken);
    }
}
