using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Ligbox.Core.Reports;

internal enum Align
{
    Left,
    Right,
}

internal sealed record PdfColumn(string Title, double Width, Align Align = Align.Left);

internal enum RowStyle
{
    Normal,

    /// <summary>Bold, shaded, the first cell across the whole table (a group heading inside a table).</summary>
    Group,

    /// <summary>Dark red text: something the reader should look at.</summary>
    Warning,
}

internal sealed record PdfRow(IReadOnlyList<string> Cells, RowStyle Style = RowStyle.Normal);

/// <summary>
/// A small flowing layout on PDFsharp: A4 pages with a running header, text that wraps, and tables whose rows
/// never split and whose header repeats on every page they run onto. Page numbers ("Page 3 of 12") are drawn
/// when the document is finished, once the page count is known.
/// </summary>
internal sealed class PdfLayout : IDisposable
{
    public const double PageWidth = 595.28;
    public const double PageHeight = 841.89;
    public const double Margin = 42;
    public const double ContentWidth = PageWidth - 2 * Margin;
    private const double Top = 78;
    private const double Bottom = 54;

    public static readonly XColor Ink = XColor.FromArgb(33, 37, 41);
    public static readonly XColor Accent = XColor.FromArgb(31, 58, 95);
    public static readonly XColor Muted = XColor.FromArgb(108, 117, 125);
    public static readonly XColor Shade = XColor.FromArgb(243, 245, 248);
    public static readonly XColor Rule = XColor.FromArgb(210, 215, 222);
    public static readonly XColor Danger = XColor.FromArgb(160, 30, 30);

    private readonly PdfDocument _document = new();
    private readonly string _headerLeft;
    private readonly string _headerRight;
    private readonly string _footerLeft;
    private readonly string _pageOf;
    private XGraphics? _gfx;

    /// <summary>A document with its header and footer texts; <c>pageOf</c> is the page number's words ("Page {0} of {1}" in English).</summary>
    public PdfLayout(string title, string headerLeft, string headerRight, string footerLeft, string pageOf = "Page {0} of {1}")
    {
        _headerLeft = headerLeft;
        _headerRight = headerRight;
        _footerLeft = footerLeft;
        _pageOf = pageOf;
        _document.Info.Title = title;
        _document.Info.Creator = "Ligbox Migration Console";
        Regular = new XFont(ReportFonts.Family, 9, XFontStyleEx.Regular);
        Bold = new XFont(ReportFonts.Family, 9, XFontStyleEx.Bold);
        Small = new XFont(ReportFonts.Family, 7.5, XFontStyleEx.Regular);
        SmallBold = new XFont(ReportFonts.Family, 7.5, XFontStyleEx.Bold);
        Heading = new XFont(ReportFonts.Family, 13, XFontStyleEx.Bold);
        Title = new XFont(ReportFonts.Family, 20, XFontStyleEx.Bold);
        Figure = new XFont(ReportFonts.Family, 16, XFontStyleEx.Bold);
        NewPage();
    }

    public XFont Regular { get; }
    public XFont Bold { get; }
    public XFont Small { get; }
    public XFont SmallBold { get; }
    public XFont Heading { get; }
    public XFont Title { get; }
    public XFont Figure { get; }

    public XGraphics Gfx => _gfx!;

    /// <summary>The current vertical position (points from the top of the page).</summary>
    public double Y { get; set; }

    public double Bottomline => PageHeight - Bottom;

    public int PageCount => _document.PageCount;

    public void NewPage()
    {
        _gfx?.Dispose();
        var page = _document.AddPage();
        page.Width = XUnit.FromPoint(PageWidth);
        page.Height = XUnit.FromPoint(PageHeight);
        _gfx = XGraphics.FromPdfPage(page);
        var g = _gfx;
        g.DrawRectangle(new XSolidBrush(Accent), 0, 0, PageWidth, 6);
        g.DrawString(_headerLeft, SmallBold, new XSolidBrush(Accent), new XRect(Margin, 26, ContentWidth, 12), XStringFormats.TopLeft);
        g.DrawString(_headerRight, Small, new XSolidBrush(Muted), new XRect(Margin, 26, ContentWidth, 12), XStringFormats.TopRight);
        g.DrawLine(new XPen(Rule, 0.6), Margin, 44, PageWidth - Margin, 44);
        Y = Top;
    }

    /// <summary>Starts a new page when fewer than <paramref name="height"/> points are left on this one.</summary>
    public bool EnsureSpace(double height)
    {
        if (Y + height <= Bottomline)
        {
            return false;
        }

        NewPage();
        return true;
    }

    public void SectionHeading(string text, double keepWithNext = 60)
    {
        EnsureSpace(26 + keepWithNext);
        Y += 6;
        Gfx.DrawString(text, Heading, new XSolidBrush(Accent), new XRect(Margin, Y, ContentWidth, 16), XStringFormats.TopLeft);
        Y += 18;
        Gfx.DrawLine(new XPen(Accent, 0.8), Margin, Y, Margin + ContentWidth, Y);
        Y += 8;
    }

    public void Paragraph(string text, XFont? font = null, XColor? color = null, double indent = 0, double after = 4)
    {
        font ??= Regular;
        var lineHeight = font.Size * 1.35;
        foreach (var line in Wrap(text, font, ContentWidth - indent))
        {
            EnsureSpace(lineHeight);
            Gfx.DrawString(line, font, new XSolidBrush(color ?? Ink), new XRect(Margin + indent, Y, ContentWidth - indent, lineHeight), XStringFormats.TopLeft);
            Y += lineHeight;
        }

        Y += after;
    }

    /// <summary>Label/value pairs in two columns of text.</summary>
    public void Facts(IReadOnlyList<(string Label, string Value)> facts, double labelWidth = 120)
    {
        foreach (var (label, value) in facts)
        {
            var lines = Wrap(value, Regular, ContentWidth - labelWidth);
            var height = lines.Count * 12.5 + 2;
            EnsureSpace(height);
            Gfx.DrawString(label, Bold, new XSolidBrush(Muted), new XRect(Margin, Y, labelWidth, 12), XStringFormats.TopLeft);
            for (var i = 0; i < lines.Count; i++)
            {
                Gfx.DrawString(lines[i], Regular, new XSolidBrush(Ink), new XRect(Margin + labelWidth, Y + i * 12.5, ContentWidth - labelWidth, 12), XStringFormats.TopLeft);
            }

            Y += height;
        }
    }

    /// <summary>
    /// A table across the content width (column widths are shares of it). Rows wrap their cells and never split;
    /// the header row is drawn again at the top of each page the table continues on.
    /// </summary>
    public void Table(IReadOnlyList<PdfColumn> columns, IEnumerable<PdfRow> rows)
    {
        var total = columns.Sum(c => c.Width);
        var widths = columns.Select(c => c.Width / total * ContentWidth).ToArray();
        const double pad = 3;
        var lineHeight = Small.Size * 1.3;
        DrawHeader();
        var index = 0;
        foreach (var row in rows)
        {
            double height;
            List<string>[] cells;
            if (row.Style == RowStyle.Group)
            {
                cells = [Wrap(row.Cells[0], SmallBold, ContentWidth - 2 * pad)];
                height = cells[0].Count * lineHeight + 2 * pad + 1;
            }
            else
            {
                cells = new List<string>[columns.Count];
                for (var c = 0; c < columns.Count; c++)
                {
                    cells[c] = Wrap(c < row.Cells.Count ? row.Cells[c] : "", Small, widths[c] - 2 * pad);
                }

                height = cells.Max(l => l.Count) * lineHeight + 2 * pad;
            }

            if (EnsureSpace(height))
            {
                DrawHeader();
            }

            var brush = new XSolidBrush(row.Style == RowStyle.Warning ? Danger : Ink);
            if (row.Style == RowStyle.Group)
            {
                Gfx.DrawRectangle(new XSolidBrush(XColor.FromArgb(225, 231, 239)), Margin, Y, ContentWidth, height);
                for (var l = 0; l < cells[0].Count; l++)
                {
                    Gfx.DrawString(cells[0][l], SmallBold, new XSolidBrush(Accent), new XRect(Margin + pad, Y + pad + l * lineHeight, ContentWidth - 2 * pad, lineHeight),
                        XStringFormats.TopLeft);
                }

                index = 0;
            }
            else
            {
                if (index++ % 2 == 1)
                {
                    Gfx.DrawRectangle(new XSolidBrush(Shade), Margin, Y, ContentWidth, height);
                }

                var x = Margin;
                for (var c = 0; c < columns.Count; c++)
                {
                    for (var l = 0; l < cells[c].Count; l++)
                    {
                        Gfx.DrawString(cells[c][l], Small, brush, new XRect(x + pad, Y + pad + l * lineHeight, widths[c] - 2 * pad, lineHeight),
                            columns[c].Align == Align.Right ? XStringFormats.TopRight : XStringFormats.TopLeft);
                    }

                    x += widths[c];
                }
            }

            Y += height;
            Gfx.DrawLine(new XPen(Rule, 0.3), Margin, Y, Margin + ContentWidth, Y);
        }

        Y += 10;

        void DrawHeader()
        {
            var headerCells = columns.Select((c, i) => Wrap(c.Title, SmallBold, widths[i] - 2 * pad, breakWords: false)).ToArray();
            var h = headerCells.Max(l => l.Count) * lineHeight + 2 * pad;
            EnsureSpace(h + lineHeight + 2 * pad);
            Gfx.DrawRectangle(new XSolidBrush(Accent), Margin, Y, ContentWidth, h);
            var x = Margin;
            for (var c = 0; c < columns.Count; c++)
            {
                for (var l = 0; l < headerCells[c].Count; l++)
                {
                    Gfx.DrawString(headerCells[c][l], SmallBold, XBrushes.White, new XRect(x + pad, Y + pad + l * lineHeight, widths[c] - 2 * pad, lineHeight),
                        columns[c].Align == Align.Right ? XStringFormats.TopRight : XStringFormats.TopLeft);
                }

                x += widths[c];
            }

            Y += h;
            index = 0;
        }
    }

    /// <summary>Breaks text into lines that fit <paramref name="width"/>; words longer than a line (addresses) break anywhere.</summary>
    public List<string> Wrap(string? text, XFont font, double width, bool breakWords = true)
    {
        var lines = new List<string>();
        foreach (var paragraph in (text ?? "").Replace("\r", "", StringComparison.Ordinal).Split('\n'))
        {
            var line = "";
            foreach (var word in paragraph.Split(' '))
            {
                var candidate = line.Length == 0 ? word : line + " " + word;
                if (Fits(candidate, font, width))
                {
                    line = candidate;
                    continue;
                }

                if (line.Length > 0)
                {
                    lines.Add(line);
                }

                line = word;
                while (breakWords && !Fits(line, font, width) && line.Length > 1)
                {
                    var cut = line.Length - 1;
                    while (cut > 1 && !Fits(line[..cut], font, width))
                    {
                        cut--;
                    }

                    lines.Add(line[..cut]);
                    line = line[cut..];
                }
            }

            lines.Add(line);
        }

        return lines;
    }

    // No glyph of these fonts is wider than its em: short text fits without measuring (most table cells).
    private bool Fits(string text, XFont font, double width) => text.Length * font.Size <= width || Gfx.MeasureString(text, font).Width <= width;

    /// <summary>Draws the footers (now that the page count is known) and writes the document.</summary>
    public void Save(Stream output)
    {
        _gfx?.Dispose();
        _gfx = null;
        var count = _document.PageCount;
        for (var i = 0; i < count; i++)
        {
            using var g = XGraphics.FromPdfPage(_document.Pages[i], XGraphicsPdfPageOptions.Append);
            g.DrawLine(new XPen(Rule, 0.6), Margin, PageHeight - 38, PageWidth - Margin, PageHeight - 38);
            g.DrawString(_footerLeft, Small, new XSolidBrush(Muted), new XRect(Margin, PageHeight - 32, ContentWidth, 10), XStringFormats.TopLeft);
            g.DrawString(string.Format(System.Globalization.CultureInfo.InvariantCulture, _pageOf, i + 1, count), Small, new XSolidBrush(Muted), new XRect(Margin, PageHeight - 32, ContentWidth, 10), XStringFormats.TopRight);
        }

        _document.Save(output, closeStream: false);
    }

    public void Dispose()
    {
        _gfx?.Dispose();
        _document.Dispose();
    }
}
