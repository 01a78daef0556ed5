using System.Globalization;
using System.Text.RegularExpressions;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>Reads protocol logs written with <c>NativeImapOptions.ProtocolLogTimestamps</c>.</summary>
internal static partial class TimedProtocolLogs
{
    [GeneratedRegex(@"^(\d\d:\d\d:\d\d\.\d{4}) C: \S+ (\S+)(.*)$")]
    private static partial Regex TimedCommand();

    /// <summary>The commands of one side's connections, in time order: (time, connection's log file, command, the rest of the line).</summary>
    public static List<(TimeSpan At, string Log, string Command, string Args)> Commands(string dir, string side) =>
        Directory.GetFiles(dir, $"{side}-*.log")
            .SelectMany(f => File.ReadAllLines(f).Select(l => (Log: Path.GetFileName(f), Match: TimedCommand().Match(l))))
            .Where(l => l.Match.Success)
            .Select(l => (TimeSpan.ParseExact(l.Match.Groups[1].Value, @"hh\:mm\:ss\.ffff", CultureInfo.InvariantCulture), l.Log, l.Match.Groups[2].Value, l.Match.Groups[3].Value))
            .OrderBy(c => c.Item1)
            .ToList();
}
