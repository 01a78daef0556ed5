using System.Globalization;
using System.Text.RegularExpressions;

namespace Ligbox.Tools.Imapsync;

/// <summary>How far an imapsync pass is, read from one of its "ETA: ... N/M msgs left" lines.</summary>
/// <param name="Done">Messages handled so far (copied or found already there): total minus those left.</param>
/// <param name="Total">Messages imapsync considers in the selected folders.</param>
/// <param name="Remaining">imapsync's estimate of the time left.</param>
/// <param name="MessagesPerSecond">The copy rate it prints on per-message lines, when the line has one.</param>
/// <param name="Folder">The source folder of the message the line is about, when it is a per-message line.</param>
/// <param name="BytesCopied">Bytes copied so far as imapsync prints them (rounded to its unit), when the line has them.</param>
public sealed partial record ImapsyncProgress(long Done, long Total, TimeSpan? Remaining, double? MessagesPerSecond, string? Folder, long? BytesCopied)
{
    /// <summary>
    /// Reads a progress line: the folder-loop "ETA: … 0 s  500/500 msgs left" lines and the per-message
    /// "msg INBOX/12 {5365} copied to INBOX/12  164.20 msgs/s  520.829 KiB/s 6.344 KiB copied ETA: … 3 s  518/520 msgs left".
    /// </summary>
    /// <param name="line">One output line.</param>
    /// <returns>The figures, or <c>null</c> for any other line.</returns>
    public static ImapsyncProgress? TryParse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!line.EndsWith("msgs left", StringComparison.Ordinal))
        {
            return null;
        }

        var left = LeftPattern().Match(line);
        if (!left.Success)
        {
            return null;
        }

        var total = long.Parse(left.Groups["total"].Value, CultureInfo.InvariantCulture);
        var remaining = long.Parse(left.Groups["left"].Value, CultureInfo.InvariantCulture);
        var eta = TimeSpan.FromSeconds(long.Parse(left.Groups["eta"].Value, CultureInfo.InvariantCulture));
        var message = MessagePattern().Match(line);
        double? rate = null;
        string? folder = null;
        long? bytes = null;
        if (message.Success)
        {
            folder = message.Groups["folder"].Value;
            rate = double.Parse(message.Groups["rate"].Value, CultureInfo.InvariantCulture);
            var unit = message.Groups["unit"].Value switch
            {
                "KiB" => 1024d,
                "MiB" => 1024d * 1024,
                "GiB" => 1024d * 1024 * 1024,
                _ => 1d,
            };
            bytes = (long)Math.Round(double.Parse(message.Groups["bytes"].Value, CultureInfo.InvariantCulture) * unit);
        }

        return new ImapsyncProgress(Math.Max(0, total - remaining), total, eta, rate, folder, bytes);
    }

    [GeneratedRegex(@"\s(?<eta>\d+) s\s+(?<left>\d+)/(?<total>\d+) msgs left$")]
    private static partial Regex LeftPattern();

    [GeneratedRegex(@"^msg (?<folder>.+)/\d+ \{\d+\}\s+copied to .*?\s(?<rate>\d+(?:\.\d+)?) msgs/s\s.*?\s(?<bytes>\d+(?:\.\d+)?) (?<unit>B|bytes|KiB|MiB|GiB) copied ETA")]
    private static partial Regex MessagePattern();
}
