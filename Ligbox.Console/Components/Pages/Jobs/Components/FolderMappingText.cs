using Microsoft.Extensions.Localization;

namespace Ligbox.Console.Components.Pages.Jobs.Components;

/// <summary>
/// The job's folder mappings as a technician types them in the settings dialog: one per line,
/// <c>Source folder =&gt; Destination folder</c> (the same map the API takes as <c>options.folderMappings</c>).
/// </summary>
public static class FolderMappingText
{
    public const string Arrow = "=>";

    /// <summary>One line per mapping, in the stored order (saving the text unchanged changes nothing, so no approval is revoked).</summary>
    public static string Format(IReadOnlyDictionary<string, string> mappings)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        return string.Join("\n", mappings.Select(kv => $"{kv.Key} {Arrow} {kv.Value}"));
    }

    /// <summary>The map, or the problems in words (one per wrong line, in the reader's language); blank lines are ignored.</summary>
    public static (Dictionary<string, string> Mappings, IReadOnlyList<string> Problems) Parse(string? text, IStringLocalizer<JobsText> L)
    {
        var mappings = new Dictionary<string, string>(StringComparer.Ordinal);
        var problems = new List<string>();
        var lines = (text ?? "").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var at = line.IndexOf(Arrow, StringComparison.Ordinal);
            var source = at < 0 ? "" : line[..at].Trim();
            var destination = at < 0 ? "" : line[(at + Arrow.Length)..].Trim();
            if (source.Length == 0 || destination.Length == 0)
            {
                problems.Add(L["Line {0} (\"{1}\"): write a mapping as Source folder {2} Destination folder.", i + 1, line, Arrow]);
            }
            else if (!mappings.TryAdd(source, destination))
            {
                problems.Add(L["Line {0}: the folder \"{1}\" is mapped twice; keep one line for it.", i + 1, source]);
            }
        }

        return (mappings, problems);
    }
}
