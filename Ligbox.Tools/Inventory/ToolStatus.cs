namespace Ligbox.Tools.Inventory;

/// <summary>One external tool as found on this machine, for the admin "Tools" page.</summary>
/// <param name="Name">Tool name (<c>readpst</c>, <c>imapsync</c>, <c>doveadm</c>).</param>
/// <param name="Installed">Whether the executable was found.</param>
/// <param name="Version">Its version, when it answered.</param>
/// <param name="Path">Full path of the executable, when found.</param>
/// <param name="InstallHint">How to install it.</param>
/// <param name="Problem">Why the version is unknown (timeout, error), or <c>null</c>.</param>
public sealed record ToolStatus(string Name, bool Installed, string? Version, string? Path, string InstallHint, string? Problem = null);

/// <summary>How to find one tool and ask for its version.</summary>
/// <param name="Name">Tool name.</param>
/// <param name="Executable">Name on PATH or path.</param>
/// <param name="VersionCommands">Commands tried in order until one prints a version: (executable, arguments).</param>
/// <param name="InstallHint">How to install it.</param>
public sealed record ToolProbe(string Name, string Executable, IReadOnlyList<(string Executable, IReadOnlyList<string> Arguments)> VersionCommands, string InstallHint);
