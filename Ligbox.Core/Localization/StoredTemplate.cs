using System.Text.RegularExpressions;

namespace Ligbox.Core.Localization;

/// <summary>
/// An English template ("{0} of {1} mailbox(es) failed: {2}") that Core wrote stored texts from: a stored text is matched
/// against it to get its arguments back, so a page can say it again in its reader's language (the text itself stays English).
/// </summary>
public sealed partial class StoredTemplate
{
    private readonly Regex _shape;

    /// <param name="template">The English template, its placeholders in order ({0}, {1}, …).</param>
    /// <param name="trailing">Whether the stored text may go on after the template (" Not mail, kept for download: …").</param>
    public StoredTemplate(string template, bool trailing = false)
    {
        Template = template;
        var placeholders = Placeholder().Matches(template).Select(p => p.Value).ToList();
        InOrder = placeholders.SequenceEqual(Enumerable.Range(0, placeholders.Count).Select(i => $"{{{i}}}"));
        Literal = Placeholder().Replace(template, "");
        _shape = new Regex("^" + string.Join("(.+?)", Placeholder().Split(template).Select(Regex.Escape)) + (trailing ? @"((?:\s.*)?)" : "") + "$",
            RegexOptions.CultureInvariant | RegexOptions.Singleline);
        Trailing = trailing;
    }

    public string Template { get; }

    /// <summary>The template's own words, without its placeholders.</summary>
    public string Literal { get; }

    /// <summary>Whether the placeholders come in order: only then do the matched parts stand for {0}, {1}, ….</summary>
    public bool InOrder { get; }

    public bool Trailing { get; }

    public bool HasArguments => Literal.Length != Template.Length;

    /// <summary>The arguments of a text written from this template (and what follows it when trailing); null for another text.</summary>
    public (string[] Arguments, string After)? Match(string stored)
    {
        var m = _shape.Match(stored);
        if (!m.Success)
        {
            return null;
        }

        var groups = m.Groups.Cast<Group>().Skip(1).Select(g => g.Value).ToList();
        return Trailing ? ([.. groups[..^1]], groups[^1]) : ([.. groups], "");
    }

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex Placeholder();
}
