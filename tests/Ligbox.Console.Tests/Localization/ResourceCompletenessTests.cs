using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Ligbox.Console.Tests.Localization;

/// <summary>
/// Every text a page asks its localizer for (<c>L["English text"]</c>) has its Portuguese in the feature's
/// <c>*.pt.resx</c>, with the same placeholders; no resource file keeps a text nobody asks for.
/// </summary>
public class ResourceCompletenessTests
{
    private static readonly Regex Inject = new(@"IStringLocalizer<(?:[\w.]+\.)?(\w+)>\s+L\b", RegexOptions.Compiled);
    private static readonly Regex Key = new(@"\bL\[""((?:[^""\\]|\\.)+)""", RegexOptions.Compiled);
    private static readonly Regex Placeholder = new(@"\{\d+(?:[:,][^}]*)?\}", RegexOptions.Compiled);

    private static string ConsoleDir
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Ligbox.slnx")))
            {
                dir = dir.Parent;
            }

            return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("Ligbox.slnx not found above " + AppContext.BaseDirectory), "Ligbox.Console");
        }
    }

    /// <summary>Marker class → the keys its users ask for, with the files asking.</summary>
    private static Dictionary<string, Dictionary<string, List<string>>> KeysInSource()
    {
        var result = new Dictionary<string, Dictionary<string, List<string>>>();
        foreach (var file in Directory.EnumerateFiles(ConsoleDir, "*.*", SearchOption.AllDirectories)
                     .Where(f => (f.EndsWith(".razor", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal))
                                 && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                 && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(file);
            var inject = Inject.Match(text);
            var keys = Key.Matches(text).Select(m => Regex.Unescape(m.Groups[1].Value)).ToList();
            if (keys.Count == 0)
            {
                continue;
            }

            Assert.True(inject.Success, $"{Path.GetFileName(file)} uses L[\"…\"] but injects no IStringLocalizer<…> L");
            var marker = inject.Groups[1].Value;
            if (!result.TryGetValue(marker, out var byKey))
            {
                result[marker] = byKey = [];
            }

            foreach (var key in keys)
            {
                if (!byKey.TryGetValue(key, out var files))
                {
                    byKey[key] = files = [];
                }

                files.Add(Path.GetFileName(file));
            }
        }

        return result;
    }

    private static Dictionary<string, string> Resources(string marker)
    {
        var files = Directory.EnumerateFiles(ConsoleDir, marker + ".pt.resx", SearchOption.AllDirectories).ToList();
        Assert.True(files.Count == 1, $"expected one {marker}.pt.resx beside {marker}.cs, found {files.Count}");
        return XDocument.Load(files[0]).Root!.Elements("data")
            .ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? "");
    }

    [Fact]
    public void EveryTextAskedFor_HasItsPortuguese_WithTheSamePlaceholders()
    {
        var source = KeysInSource();
        Assert.Contains("LayoutText", source.Keys);
        Assert.Contains("AccountText", source.Keys);
        var problems = new List<string>();
        foreach (var (marker, keys) in source)
        {
            var pt = Resources(marker);
            foreach (var (key, files) in keys)
            {
                if (!pt.TryGetValue(key, out var value) || string.IsNullOrWhiteSpace(value))
                {
                    problems.Add($"{marker}.pt.resx lacks \"{key}\" (asked for in {string.Join(", ", files.Distinct())})");
                    continue;
                }

                var want = Placeholder.Matches(key).Select(m => m.Value).Order().ToList();
                var have = Placeholder.Matches(value).Select(m => m.Value).Order().ToList();
                if (!want.SequenceEqual(have))
                {
                    problems.Add($"{marker}.pt.resx \"{key}\": placeholders {string.Join(" ", want)} but the Portuguese has {string.Join(" ", have)}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void NoResourceFile_KeepsATextNobodyAsksFor()
    {
        var source = KeysInSource();
        var stale = new List<string>();
        foreach (var file in Directory.EnumerateFiles(ConsoleDir, "*.pt.resx", SearchOption.AllDirectories))
        {
            var marker = Path.GetFileName(file)[..^".pt.resx".Length];
            var asked = source.GetValueOrDefault(marker) ?? [];
            stale.AddRange(Resources(marker).Keys.Where(k => !asked.ContainsKey(k)).Select(k => $"{marker}: \"{k}\""));
        }

        Assert.True(stale.Count == 0, "texts in a .pt.resx that no page asks for:\n" + string.Join("\n", stale));
    }

    [Fact]
    public void NoResourceFile_HasTwoTextsDifferingOnlyInCase()
    {
        // A .resx's names are compiled case-insensitively: "Queued" and "queued" become one (MSB3568), and one text goes missing.
        var clashes = Directory.EnumerateFiles(ConsoleDir, "*.pt.resx", SearchOption.AllDirectories)
            .SelectMany(f => XDocument.Load(f).Root!.Elements("data").Select(d => (string)d.Attribute("name")!)
                .GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1)
                .Select(g => $"{Path.GetFileName(f)}: {string.Join(" / ", g)}"))
            .ToList();
        Assert.True(clashes.Count == 0, "texts differing only in case:\n" + string.Join("\n", clashes));
    }

    /// <summary>The English texts with a different Portuguese: what must not show on a Portuguese page.</summary>
    public static IReadOnlyList<string> EnglishTextsThatDiffer() =>
        Directory.EnumerateFiles(ConsoleDir, "*.pt.resx", SearchOption.AllDirectories)
            .SelectMany(f => XDocument.Load(f).Root!.Elements("data").Select(d => ((string)d.Attribute("name")!, (string?)d.Element("value") ?? "")))
            // Not an English word its own Portuguese contains ("Cancel" → "Cancelar", "Port" → "Porta"): it cannot be told apart.
            .Where(p => p.Item1 != p.Item2 && !p.Item2.Contains(p.Item1, StringComparison.Ordinal))
            .Select(p => Placeholder.Split(p.Item1).OrderByDescending(s => s.Length).First().Trim())
            .Where(s => s.Length >= 4)
            .Distinct()
            .ToList();

    /// <summary>
    /// The English texts of <see cref="EnglishTextsThatDiffer"/> that <paramref name="visibleText"/> shows as whole
    /// words ("Port" is English, inside "Porta" it is not).
    /// </summary>
    public static IReadOnlyList<string> EnglishShownIn(string visibleText) =>
        EnglishTextsThatDiffer().Where(e => ShowsAsWord(visibleText, e)).ToList();

    /// <summary>
    /// Whether <paramref name="text"/> shows <paramref name="english"/> as a whole word: not inside a longer word, nor inside
    /// an identifier such as the CSV column <c>source_password</c> a library's name (<c>tus-js-client</c>) or a configuration key (<c>Tools:Imapsync:ImapsyncPath</c>).
    /// </summary>
    public static bool ShowsAsWord(string text, string english) => FindWord(text, english).Success;

    /// <summary>Where <paramref name="text"/> shows <paramref name="english"/> as a whole word (see <see cref="ShowsAsWord"/>).</summary>
    public static Match FindWord(string text, string english) =>
        Regex.Match(text, $@"(?<![\p{{L}}\p{{N}}_-])(?<!\p{{L}}:){Regex.Escape(english)}(?![\p{{L}}\p{{N}}_-])(?!:\p{{L}})");
}
