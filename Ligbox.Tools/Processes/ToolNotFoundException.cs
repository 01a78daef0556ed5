namespace Ligbox.Tools.Processes;

/// <summary>An external tool is not installed, or the configured path does not point to an executable.</summary>
public sealed class ToolNotFoundException : Exception
{
    /// <summary>Creates the exception for <paramref name="tool"/> looked up as <paramref name="path"/>.</summary>
    public ToolNotFoundException(string tool, string path, string installHint, Exception? innerException = null)
        : base($"{tool} was not found (looked for '{path}'). {installHint}", innerException)
    {
        Tool = tool;
        Path = path;
        InstallHint = installHint;
    }

    /// <summary>The tool's name, e.g. <c>imapsync</c>.</summary>
    public string Tool { get; }

    /// <summary>The name or path that was looked up.</summary>
    public string Path { get; }

    /// <summary>What a technician should do to install it.</summary>
    public string InstallHint { get; }
}
