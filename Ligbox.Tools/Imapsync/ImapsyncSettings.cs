using System.ComponentModel.DataAnnotations;

namespace Ligbox.Tools.Imapsync;

/// <summary>Machine settings for imapsync, bound from <c>Tools:Imapsync</c>.</summary>
public sealed class ImapsyncSettings
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Tools:Imapsync";

    /// <summary>imapsync executable: a name looked up on PATH, or a path.</summary>
    [Required]
    public string ImapsyncPath { get; set; } = "imapsync";

    /// <summary>Where imapsync writes one log file per run (kept; the run result points to it).</summary>
    [Required]
    public string LogDirectory { get; set; } = Path.Combine("data", "imapsync", "logs");

    /// <summary>
    /// Parent of the private per-run directories holding passfiles and the pidfile (deleted after
    /// each run); the system temp directory when <c>null</c>.
    /// </summary>
    public string? WorkDirectory { get; set; }

    /// <summary>Kill a run that takes longer than this; no limit when <c>null</c>.</summary>
    public TimeSpan? RunTimeout { get; set; }
}
