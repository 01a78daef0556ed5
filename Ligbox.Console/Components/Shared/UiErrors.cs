using Ligbox.Core;

namespace Ligbox.Console.Components.Shared;

/// <summary>Turns the domain's exceptions into the plain sentences a page shows (never a stack trace).</summary>
public static class UiErrors
{
    /// <summary>The message for a known domain error, or null for anything else (which should surface as a crash).</summary>
    public static string? Describe(Exception ex) => ex switch
    {
        ValidationFailedException v => string.Join(" ", v.Errors.SelectMany(e => e.Value.Select(m => Sentence(e.Key, m)))),
        NotFoundException or DomainException => ex.Message,
        _ => null,
    };

    /// <summary>The errors of one field, matched case-insensitively to the API's field names (e.g. "source.host").</summary>
    public static string? For(IReadOnlyDictionary<string, string[]>? errors, string field) =>
        errors?.FirstOrDefault(e => string.Equals(e.Key, field, StringComparison.OrdinalIgnoreCase)).Value is { Length: > 0 } messages
            ? string.Join(" ", messages)
            : null;

    // Core phrases some messages as "must be …", which only reads well after the field's name.
    private static string Sentence(string field, string message) =>
        char.IsLower(message[0]) ? $"{Humanize(field)} {message}" : message;

    private static string Humanize(string field) =>
        string.Concat(field.Select((c, i) => char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : i == 0 ? char.ToUpperInvariant(c).ToString() : c.ToString()))
            .Replace(".", " ", StringComparison.Ordinal);
}
