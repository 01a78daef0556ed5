using System.ComponentModel.DataAnnotations;

namespace Ligbox.Tools.Readpst;

/// <summary>Machine settings for readpst, bound from <c>Tools:Readpst</c>.</summary>
public sealed class ReadpstSettings
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Tools:Readpst";

    /// <summary>readpst executable: a name looked up on PATH, or a path.</summary>
    [Required]
    public string ReadpstPath { get; set; } = "readpst";

    /// <summary>Kill an extraction that takes longer than this; no limit when <c>null</c>.</summary>
    public TimeSpan? Timeout { get; set; }
}
