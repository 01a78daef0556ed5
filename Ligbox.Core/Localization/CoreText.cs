using System.Globalization;
using System.Resources;

namespace Ligbox.Core.Localization;

/// <summary>
/// The plain-word texts Core writes for people (audit sentences, engine errors, refusals) in the reader's language.
/// English is the key and the default, as in the console's <c>IStringLocalizer</c> resources; <c>CoreText.pt.resx</c>
/// beside this class holds the Portuguese. What Core stores stays English (logs, the database, the API's contract):
/// a text is translated when it is shown, from its code and arguments.
/// </summary>
public static class CoreText
{
    private static readonly ResourceManager Resources = new(typeof(CoreText).FullName!, typeof(CoreText).Assembly);

    /// <summary>Whether texts are translated for this culture (English is the key; Portuguese has a resource).</summary>
    public static bool Translates(CultureInfo culture) => culture.TwoLetterISOLanguageName == "pt";

    /// <summary>The English text in the current UI culture's language (or the given one's); the English when none is known.</summary>
    public static string T(string english, CultureInfo? culture = null)
    {
        culture ??= CultureInfo.CurrentUICulture;
        if (!Translates(culture))
        {
            return english;
        }

        try
        {
            return Resources.GetString(english, culture) is { Length: > 0 } text ? text : english;
        }
        catch (MissingManifestResourceException)
        {
            return english;
        }
    }

    /// <summary>
    /// The messages Core throws as constants (refusals a person reads in a snackbar or an API problem's detail); they are
    /// translated where they are shown, by <see cref="Describe(Exception)"/>. Messages with figures in them stay English.
    /// </summary>
    public static readonly IReadOnlySet<string> KnownMessages = new HashSet<string>(StringComparer.Ordinal)
    {
        "Your account is disabled, so nothing was changed. Ask an admin.",
        "Your account is locked, so nothing was changed. Try again later or ask an admin.",
        "The API token is revoked or expired.",
        "API tokens cannot manage users, tokens or webhooks; an admin does that in the console.",
        "Sign in first.",
        "The job is closed; scheduled delta syncs cannot be turned on for it.",
        "This upload was made by another user; only they (or an admin) can import it. Upload the file yourself.",
        "A run of this job is active; change its settings when the run has ended (or cancel it).",
        "The job is already cancelled.",
        "The job is completed; a completed migration cannot be cancelled.",
        "The job has no ticket: set its ticket id in the job's settings first.",
        "The helpdesk connection is not set up or is turned off: an admin sets it on /admin/desk.",
        "A token needs at least one scope.",
        "The token is already revoked.",
        "A mailbox's stored logins belong to a job: test them on the job (Test connection of its settings).",
    };

    /// <summary>
    /// A domain error's message in the reader's language: a known constant refusal, or "Job 42 was not found." from what
    /// was looked for; any other message as it was written.
    /// </summary>
    public static string Describe(Exception exception) => exception switch
    {
        NotFoundException n => Translates(CultureInfo.CurrentUICulture) ? F("{0} {1} was not found.", Thing(n.What), n.Id) : n.Message,
        _ when KnownMessages.Contains(exception.Message) => T(exception.Message),
        _ => exception.Message,
    };

    private static string Thing(string what) => what switch
    {
        "Job" => T("Job"),
        "Mailbox" => T("Mailbox"),
        "Run" => T("run"),
        "PST run" => T("PST run"),
        "TGZ run" => T("TGZ run"),
        "Upload" => T("Upload"),
        "User" => T("User"),
        "API token" => T("API token"),
        "Webhook delivery" => T("Webhook delivery"),
        "Webhook endpoint" => T("Webhook endpoint"),
        _ => what,
    };

    /// <summary>
    /// A text to store (the audit, the API): always English, with invariant numbers, from a template a page reads back in its
    /// reader's language (<see cref="EngineErrorText.Reread"/>).
    /// </summary>
    public static string English(string template, params object?[] args) => string.Format(CultureInfo.InvariantCulture, template, args);

    /// <summary>An English format ("{0} approved the gate") translated, then filled with numbers in the current culture.</summary>
    public static string F(string englishFormat, params object?[] args) =>
        string.Format(CultureInfo.CurrentCulture, T(englishFormat), args);
}
