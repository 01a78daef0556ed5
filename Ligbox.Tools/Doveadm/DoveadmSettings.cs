using System.ComponentModel.DataAnnotations;

namespace Ligbox.Tools.Doveadm;

/// <summary>Machine settings for doveadm, bound from <c>Tools:Doveadm</c>.</summary>
public sealed class DoveadmSettings
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Tools:Doveadm";

    /// <summary>doveadm executable: a name looked up on PATH, or a path.</summary>
    [Required]
    public string DoveadmPath { get; set; } = "doveadm";

    /// <summary>dovecot executable, asked for the version because doveadm 2.3 has no version option.</summary>
    [Required]
    public string DovecotPath { get; set; } = "dovecot";

    /// <summary>Dovecot configuration file passed with <c>-c</c>; Dovecot's default when <c>null</c>.</summary>
    public string? ConfigFile { get; set; }

    /// <summary>
    /// Where the doveadm engine writes its private 0600 config files (they hold the source password for the
    /// length of one run); the system temp directory when <c>null</c>.
    /// </summary>
    public string? WorkDirectory { get; set; }

    /// <summary>The configuration the doveadm engine uses: <see cref="ConfigFile"/> or Dovecot's default file.</summary>
    public string EffectiveConfigFile => ConfigFile ?? "/etc/dovecot/dovecot.conf";
}
