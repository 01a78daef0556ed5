using PdfSharp.Fonts;

namespace Ligbox.Core.Reports;

/// <summary>
/// PDFsharp 6 on Linux finds no fonts by itself: this resolver serves DejaVu Sans (Debian fonts-dejavu-core) or,
/// failing that, Liberation Sans (fonts-liberation) as the family <see cref="Family"/>. PDFsharp takes one resolver
/// per process, so it is installed once, on the first report.
/// </summary>
internal sealed class ReportFonts : IFontResolver
{
    public const string Family = "LigboxSans";

    private static readonly string[][] Candidates =
    [
        ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"],
        ["/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"],
    ];

    private static readonly Lock Gate = new();
    private readonly string _regular;
    private readonly string _bold;

    private ReportFonts(string regular, string bold)
    {
        _regular = regular;
        _bold = bold;
    }

    /// <summary>Installs the resolver unless one is installed already.</summary>
    /// <exception cref="InvalidOperationException">No font file is installed (names the Debian packages to install).</exception>
    public static void EnsureInstalled()
    {
        lock (Gate)
        {
            if (GlobalFontSettings.FontResolver is not null)
            {
                return;
            }

            var pair = Candidates.FirstOrDefault(c => c.All(File.Exists))
                ?? throw new InvalidOperationException(
                    "The PDF report needs a font: install the Debian package fonts-dejavu-core (or fonts-liberation).");
            GlobalFontSettings.FontResolver = new ReportFonts(pair[0], pair[1]);
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool isBold, bool isItalic) =>
        new(isBold ? "bold" : "regular", false, isItalic);

    public byte[]? GetFont(string faceName) => File.ReadAllBytes(faceName == "bold" ? _bold : _regular);
}
