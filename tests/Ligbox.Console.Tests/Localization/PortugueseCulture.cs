using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Ligbox.Console.Tests.Localization;

/// <summary>
/// Renders under a culture (bUnit renders on the test's thread and its async flow, so the culture set here is the
/// page's), and checks a rendered text against one feature's resource: its Portuguese shows, its English does not.
/// </summary>
public sealed class CultureScope : IDisposable
{
    private readonly CultureInfo _culture;
    private readonly CultureInfo _uiCulture;

    public CultureScope(string name)
    {
        (_culture, _uiCulture) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(name);
    }

    public void Dispose() => (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (_culture, _uiCulture);
}

public static class FeatureTexts
{
    private static readonly Regex Placeholder = new(@"\{\d+(?:[:,][^}]*)?\}", RegexOptions.Compiled);

    /// <summary>The (English key, Portuguese) pairs of a marker's <c>*.pt.resx</c> under Ligbox.Console.</summary>
    public static IReadOnlyList<(string English, string Portuguese)> Of(string marker)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Ligbox.slnx")))
        {
            dir = dir.Parent;
        }

        var file = Directory.EnumerateFiles(Path.Combine(dir!.FullName, "Ligbox.Console"), marker + ".pt.resx", SearchOption.AllDirectories).Single();
        return XDocument.Load(file).Root!.Elements("data")
            .Select(d => ((string)d.Attribute("name")!, (string?)d.Element("value") ?? "")).ToList();
    }

    /// <summary>The longest fixed part of each English text that differs in Portuguese (4 characters or more).</summary>
    public static IReadOnlyList<string> EnglishThatDiffers(string marker) =>
        Of(marker).Where(p => p.English != p.Portuguese)
            .Select(p => Placeholder.Split(p.English).OrderByDescending(s => s.Length).First().Trim())
            .Where(s => s.Length >= 4).Distinct().ToList();

    /// <summary>
    /// Fails naming every English text of the marker found in <paramref name="text"/> as words of their own ("Cancel" is
    /// not found in "Cancelar").
    /// </summary>
    public static void AssertNoEnglish(string marker, string what, string text)
    {
        var found = EnglishThatDiffers(marker)
            .Where(e => ResourceCompletenessTests.ShowsAsWord(text, e)).ToList();
        Assert.True(found.Count == 0, $"{what} in Portuguese shows English: {string.Join(" | ", found)}\n{text}");
    }
}
