using System.Globalization;

namespace Ligbox.Core.Formatting;

/// <summary>
/// The one way the console writes a size for people: binary multiples with the usual short units (KB, MB, GB),
/// digits in the reader's culture: 1,234.5 MB in English, 1234,5 MB in Portuguese (European Portuguese groups thousands
/// with a space, and not at all under 10,000), 1.234,5 MB in Brazilian Portuguese.
/// </summary>
public static class ByteSize
{
    private const long Kb = 1L << 10;
    private const long Mb = 1L << 20;
    private const long Gb = 1L << 30;

    /// <summary>The size in the current culture (the page's, the report's), or the given one.</summary>
    public static string Format(long bytes, IFormatProvider? culture = null)
    {
        culture ??= CultureInfo.CurrentCulture;
        return bytes switch
        {
            >= Gb => (bytes / (double)Gb).ToString("N1", culture) + " GB",
            >= Mb => (bytes / (double)Mb).ToString("N1", culture) + " MB",
            >= Kb => (bytes / (double)Kb).ToString("N0", culture) + " KB",
            _ => bytes.ToString("N0", culture) + " B",
        };
    }

    /// <summary>Megabytes with one decimal, without the unit (tables whose header says MB).</summary>
    public static string Megabytes(long bytes, IFormatProvider? culture = null) =>
        (bytes / (double)Mb).ToString("N1", culture ?? CultureInfo.CurrentCulture);
}
