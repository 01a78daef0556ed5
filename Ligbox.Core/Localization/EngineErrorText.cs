using System.Collections;
using System.Globalization;
using System.Resources;
using Ligbox.Tools.NativeImap;

namespace Ligbox.Core.Localization;

/// <summary>
/// The engines' plain-word errors (native IMAP, imapsync) in the reader's language. An <see cref="ImapFailure"/> keeps its
/// English <see cref="ImapFailure.Message"/> (logs, stored runs, the API) and the template and arguments it was made from;
/// this says it again from those, in Portuguese for a Portuguese reader. A failure without a template (or one whose template
/// has no translation) is shown as it was written.
/// </summary>
public static class EngineErrorText
{
    public static string Describe(ImapFailure failure)
    {
        if (failure.Template is not { } template || !CoreText.Translates(CultureInfo.CurrentUICulture))
        {
            return failure.Message;
        }

        var translated = CoreText.T(template);
        return translated == template
            ? failure.Message
            : string.Format(CultureInfo.CurrentCulture, translated, failure.Arguments.Select(Word).ToArray<object?>());
    }

    /// <summary>
    /// A stored engine message (a mailbox's last error, a part of a run's result) said again in the reader's language: the
    /// engines' templates are the English keys of <c>CoreText.pt.resx</c> with <c>{0}</c>, <c>{1}</c> in them, so a message
    /// written from one is matched against it and its arguments are put into the translation. Anything else stays as written.
    /// </summary>
    public static string Reread(string stored)
    {
        if (!CoreText.Translates(CultureInfo.CurrentUICulture))
        {
            return stored;
        }

        foreach (var template in Templates.Value)
        {
            if (template.Match(stored) is { } found)
            {
                return string.Format(CultureInfo.CurrentCulture, CoreText.T(template.Template), found.Arguments.Select(a => (object?)Word(a)).ToArray());
            }
        }

        return stored;
    }

    private const int MinLiteral = 16;

    /// <summary>The keys with arguments, most literal text first (a longer template is the more specific one).</summary>
    private static readonly Lazy<IReadOnlyList<StoredTemplate>> Templates = new(() =>
    {
        var set = new ResourceManager(typeof(CoreText).FullName!, typeof(CoreText).Assembly)
            .GetResourceSet(CultureInfo.GetCultureInfo("pt"), createIfNotExists: true, tryParents: false);
        // Only templates with words enough of their own: "The {0} {1}" (a piece of an audit sentence) would match anything.
        return set is null ? [] : set.Cast<DictionaryEntry>().Select(e => new StoredTemplate((string)e.Key))
            .Where(t => t.HasArguments && t.InOrder && t.Literal.Trim().Length >= MinLiteral)
            .OrderByDescending(t => t.Literal.Length)
            .ToList();
    });

    // The engines name the side in English ("on the source", "the source server name"); Portuguese says it in brackets.
    // A run kind written alone ("the initial run that ended at …", a gate revocation) is said with the run's name.
    private static string Word(string argument) => argument switch
    {
        "the source" or "source" => CoreText.T("the source server"),
        "the destination" or "destination" => CoreText.T("the destination server"),
        "preflight" => CoreText.T("pre-flight"),
        "initial" => CoreText.T("initial sync"),
        "delta" => CoreText.T("delta sync"),
        "final" => CoreText.T("final sync"),
        "pst" => CoreText.T("PST import"),
        "tgz" => CoreText.T("Zimbra import"),
        "verify" => CoreText.T("verification"),
        _ => argument,
    };
}
