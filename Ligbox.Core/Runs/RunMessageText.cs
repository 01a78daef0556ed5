using System.Globalization;
using Ligbox.Core.Localization;

namespace Ligbox.Core.Runs;

/// <summary>
/// A run's result as the pages show it: the run handlers store it in English (the database, the log, the API and the
/// webhooks keep one language); read back here in the reader's language from the templates they write it from, its
/// numbers in the reader's format. A message of another shape is shown as it was written, unless an engine's template
/// wrote it (<see cref="EngineErrorText.Reread"/>).
/// </summary>
public static class RunMessageText
{
    private static readonly Shape[] Shapes =
    [
        Stored("Pre-flight OK for {0} mailbox(es)."),
        Stored("Pre-flight failed for {0} of {1} mailbox(es): {2}", failuresAt: 2),
        Stored("{0} of {1} mailbox(es) failed: {2}", failuresAt: 2),
        Stored("Initial sync of {0} mailbox(es) done: {1} messages copied."),
        Stored("Delta sync of {0} mailbox(es) done: {1} messages copied."),
        Stored("Final sync of {0} mailbox(es) done: {1} messages copied, every message verified on the destination."),
        Stored("Final sync of {0} mailbox(es) done: {1} messages copied; not verified: {2} (see the gate, or run a delta to copy what is missing)."),
        Stored("Dry run: nothing was written."),
        Stored("Cancelled by {0}."),
        Stored("{0} appended, {1} already there, {2} quarantined.", trailing: true),
        Stored("Pre-flight OK: {0} folders, {1} messages, {2} bytes."),
        Stored("Pre-flight OK: {0} logged in to the source and the destination."),
    ];

    /// <summary>The parts of a mailbox's pass result ("3 copied, 0 already there, 0 errors; source 3, destination 3.").</summary>
    private static readonly Shape[] PassParts =
    [
        Stored("{0} copied, {1} already there, {2} errors"),
        Stored("source {0}, destination {1}"),
        Stored("{0} deleted on the destination (gone from the source)"),
        Stored("missing on the destination: {0}", trailing: true),
        Stored("not verified: the {0} engine did not verify the destination"),
    ];

    /// <summary>The message in the current UI culture's language when its shape is known; otherwise as written.</summary>
    public static string? Describe(string? message)
    {
        if (message is null || !CoreText.Translates(CultureInfo.CurrentUICulture))
        {
            return message;
        }

        return Say(Shapes, message) ?? PassResult(message) ?? EngineErrorText.Reread(message);
    }

    /// <summary>The mailboxes' failures of a run's result ("a; b"), each in the reader's language when an engine's template wrote it.</summary>
    private static string Failures(string failures) => string.Join("; ", failures.Split("; ").Select(EngineErrorText.Reread));

    /// <summary>A mailbox's pass result part by part, when its first part is the copy figures; null otherwise.</summary>
    private static string? PassResult(string message)
    {
        if (!message.EndsWith('.') || PassParts[0].Template.Match(message.Split("; ", 2)[0]) is null)
        {
            return null;
        }

        return string.Join("; ", message[..^1].Split("; ").Select(part => Say(PassParts, part) ?? part)) + ".";
    }

    /// <summary>The text said again from the first shape it was written from; null when none.</summary>
    private static string? Say(Shape[] shapes, string text)
    {
        foreach (var shape in shapes)
        {
            if (shape.Template.Match(text) is { } found)
            {
                var arguments = found.Arguments.Select((a, i) => (object?)(i == shape.FailuresAt ? Failures(a) : Number(a))).ToArray();
                return CoreText.F(shape.Template.Template, arguments) + found.After;
            }
        }

        return null;
    }

    /// <summary>A number as the handlers write it ("1500", "12,345") in the reader's format; any other argument as it is.</summary>
    private static string Number(string argument) =>
        argument.All(c => char.IsAsciiDigit(c) || c == ',') &&
        long.TryParse(argument, NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var n)
            ? n.ToString("N0", CultureInfo.CurrentCulture)
            : argument;

    /// <summary>A template the handlers store texts from (its key in <c>CoreText.pt.resx</c> is the template itself).</summary>
    private static Shape Stored(string template, bool trailing = false, int? failuresAt = null) => new(new StoredTemplate(template, trailing), failuresAt);

    /// <param name="Template">The English template the handlers write the text from.</param>
    /// <param name="FailuresAt">The argument that is a list of mailboxes' failures ("a; b"), each read back on its own.</param>
    private sealed record Shape(StoredTemplate Template, int? FailuresAt);
}
