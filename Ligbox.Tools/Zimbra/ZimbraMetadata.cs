using System.Text;

namespace Ligbox.Tools.Zimbra;

/// <summary>
/// Zimbra's own item metadata (the <c>.meta</c> field <c>metadata</c>): bencoding (<c>d…e</c> dictionaries,
/// <c>l…e</c> lists, <c>i…e</c> integers, <c>len:bytes</c> strings, lengths in UTF-8 bytes). A contact's
/// fields are in its <c>fld</c> dictionary.
/// </summary>
public static class ZimbraMetadata
{
    /// <summary>Decodes one value: a <see cref="Dictionary{TKey,TValue}"/> of string to value, a <see cref="List{T}"/>, a <see cref="long"/> or a <see cref="string"/>.</summary>
    /// <exception cref="FormatException">Not bencoding.</exception>
    public static object Parse(string metadata)
    {
        var bytes = Encoding.UTF8.GetBytes(metadata);
        var position = 0;
        var value = Read(bytes, ref position);
        return value;
    }

    /// <summary>A contact's fields (<c>fld</c>: email, firstName, lastName, fullName, company, mobilePhone, ...); empty when there are none.</summary>
    public static IReadOnlyDictionary<string, string> ContactFields(string? metadata)
    {
        if (string.IsNullOrEmpty(metadata))
        {
            return new Dictionary<string, string>();
        }

        try
        {
            return Parse(metadata) is Dictionary<string, object> root && root.TryGetValue("fld", out var fld) && fld is Dictionary<string, object> fields
                ? fields.Where(f => f.Value is string or long).ToDictionary(f => f.Key, f => Convert.ToString(f.Value, System.Globalization.CultureInfo.InvariantCulture)!, StringComparer.Ordinal)
                : new Dictionary<string, string>();
        }
        catch (FormatException)
        {
            return new Dictionary<string, string>();
        }
    }

    private static object Read(byte[] bytes, ref int position)
    {
        if (position >= bytes.Length)
        {
            throw new FormatException("The metadata ends early.");
        }

        switch ((char)bytes[position])
        {
            case 'd':
                position++;
                var dictionary = new Dictionary<string, object>(StringComparer.Ordinal);
                while (Peek(bytes, position) != 'e')
                {
                    var key = Read(bytes, ref position) as string ?? throw new FormatException("A metadata key is not a string.");
                    dictionary[key] = Read(bytes, ref position);
                }

                position++;
                return dictionary;
            case 'l':
                position++;
                var list = new List<object>();
                while (Peek(bytes, position) != 'e')
                {
                    list.Add(Read(bytes, ref position));
                }

                position++;
                return list;
            case 'i':
                var end = Array.IndexOf(bytes, (byte)'e', position);
                if (end < 0 || !long.TryParse(bytes.AsSpan(position + 1, end - position - 1), out var number))
                {
                    throw new FormatException("A metadata integer is malformed.");
                }

                position = end + 1;
                return number;
            case >= '0' and <= '9':
                var colon = Array.IndexOf(bytes, (byte)':', position);
                if (colon < 0 || !int.TryParse(bytes.AsSpan(position, colon - position), out var length) || colon + 1 + length > bytes.Length)
                {
                    throw new FormatException("A metadata string is malformed.");
                }

                var text = Encoding.UTF8.GetString(bytes, colon + 1, length);
                position = colon + 1 + length;
                return text;
            default:
                throw new FormatException($"Unexpected '{(char)bytes[position]}' in the metadata.");
        }
    }

    private static char Peek(byte[] bytes, int position) =>
        position < bytes.Length ? (char)bytes[position] : throw new FormatException("The metadata ends early.");
}

/// <summary>Writes Zimbra contacts as vCard 3.0 (RFC 2426).</summary>
public static class ZimbraVCard
{
    private static readonly (string Field, string Property)[] Emails = [("email", "EMAIL;TYPE=INTERNET"), ("email2", "EMAIL;TYPE=INTERNET"), ("email3", "EMAIL;TYPE=INTERNET"), ("workEmail1", "EMAIL;TYPE=INTERNET,WORK")];
    private static readonly (string Field, string Property)[] Phones = [("mobilePhone", "TEL;TYPE=CELL"), ("workPhone", "TEL;TYPE=WORK"), ("homePhone", "TEL;TYPE=HOME"), ("otherPhone", "TEL")];

    private static readonly HashSet<string> Mapped = new(StringComparer.Ordinal)
    {
        "email", "email2", "email3", "workEmail1", "mobilePhone", "workPhone", "homePhone", "otherPhone", "firstName", "lastName", "middleName",
        "fullName", "company", "jobTitle", "notes", "nickname", "birthday",
    };

    /// <summary>One vCard for a contact's fields (<see cref="ZimbraMetadata.ContactFields"/>); fields without a vCard property are kept as <c>X-ZIMBRA-*</c>.</summary>
    public static string Write(IReadOnlyDictionary<string, string> fields, string? fallbackName = null)
    {
        var card = new StringBuilder("BEGIN:VCARD\r\nVERSION:3.0\r\n");
        var first = fields.GetValueOrDefault("firstName") ?? "";
        var last = fields.GetValueOrDefault("lastName") ?? "";
        var full = fields.GetValueOrDefault("fullName")
            ?? (string.Join(' ', new[] { first, fields.GetValueOrDefault("middleName") ?? "", last }.Where(p => p.Length > 0)) is { Length: > 0 } joined ? joined : null)
            ?? fields.GetValueOrDefault("company") ?? fields.GetValueOrDefault("email") ?? fallbackName ?? "";
        Line(card, "FN", full);
        Line(card, "N", $"{Escape(last)};{Escape(first)};{Escape(fields.GetValueOrDefault("middleName") ?? "")};;", escape: false);
        foreach (var (field, property) in Emails.Concat(Phones))
        {
            if (fields.TryGetValue(field, out var value))
            {
                Line(card, property, value);
            }
        }

        Optional(card, fields, "company", "ORG");
        Optional(card, fields, "jobTitle", "TITLE");
        Optional(card, fields, "nickname", "NICKNAME");
        Optional(card, fields, "birthday", "BDAY");
        Optional(card, fields, "notes", "NOTE");
        foreach (var (field, value) in fields.Where(f => !Mapped.Contains(f.Key)).OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var name = new string(field.Where(char.IsAsciiLetterOrDigit).ToArray()).ToUpperInvariant();
            if (name.Length > 0)
            {
                Line(card, "X-ZIMBRA-" + name, value);
            }
        }

        return card.Append("END:VCARD\r\n").ToString();
    }

    private static void Optional(StringBuilder card, IReadOnlyDictionary<string, string> fields, string field, string property)
    {
        if (fields.TryGetValue(field, out var value))
        {
            Line(card, property, value);
        }
    }

    private static void Line(StringBuilder card, string property, string value, bool escape = true)
    {
        // Folded at 75 octets (RFC 2425 §5.8.1), counted in characters: close enough and never mid-surrogate.
        var line = property + ":" + (escape ? Escape(value) : value);
        for (var start = 0; start < line.Length; start += 74)
        {
            if (start > 0)
            {
                card.Append(' ');
            }

            var length = Math.Min(74, line.Length - start);
            if (length < line.Length - start && char.IsHighSurrogate(line[start + length - 1]))
            {
                length--;
            }

            card.Append(line, start, length).Append("\r\n");
            start -= 74 - length;
        }
    }

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\").Replace(";", "\\;").Replace(",", "\\,").Replace("\r\n", "\\n").Replace("\n", "\\n");
}
