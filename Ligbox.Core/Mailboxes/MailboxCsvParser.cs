using System.Text;

namespace Ligbox.Core.Mailboxes;

/// <summary>A parsed CSV row; the passwords are plaintext and live only until they are protected.</summary>
public sealed record MailboxCsvRow(int Line, string SourceUser, string SourcePassword, string DestUser, string DestPassword, string? DestFolderPrefix);

public sealed record MailboxCsvError(int Line, string Field, string Reason);

public sealed record MailboxCsvResult(IReadOnlyList<MailboxCsvRow> Rows, IReadOnlyList<MailboxCsvError> Errors)
{
    public bool IsValid => Errors.Count == 0 && Rows.Count > 0;
}

/// <summary>
/// Parses the mailbox CSV (<c>source_user,source_password,dest_user,dest_password[,dest_folder_prefix]</c>
/// with a header row). RFC 4180 quoting, a UTF-8 BOM, CRLF or LF and blank lines are accepted. Every
/// problem is reported with its line number so a technician can fix the file in one go.
/// </summary>
public static class MailboxCsvParser
{
    public const int MaxRows = 50_000;
    public const int MaxFieldLength = 1024;

    private static readonly string[] Required = ["source_user", "source_password", "dest_user", "dest_password"];
    private const string Optional = "dest_folder_prefix";

    /// <summary>Parses the CSV.</summary>
    /// <param name="text">The file's text.</param>
    /// <param name="sourcePasswordOptional">The job logs in on the source with an admin login: <c>source_password</c> may be left out or empty.</param>
    /// <param name="destPasswordOptional">The same for the destination's <c>dest_password</c>.</param>
    public static MailboxCsvResult Parse(string text, bool sourcePasswordOptional = false, bool destPasswordOptional = false)
    {
        string[] required = [.. Required.Where(r => !(r == "source_password" && sourcePasswordOptional) && !(r == "dest_password" && destPasswordOptional))];
        var rows = new List<MailboxCsvRow>();
        var errors = new List<MailboxCsvError>();
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        Dictionary<string, int>? columns = null;
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (line, fields, syntaxError) in ReadRecords(text))
        {
            if (syntaxError is not null)
            {
                errors.Add(new(line, "", syntaxError));
                continue;
            }

            if (fields.Count == 1 && fields[0].Trim().Length == 0)
            {
                continue; // blank line
            }

            if (columns is null)
            {
                columns = ReadHeader(line, fields, required, errors);
                if (columns is null)
                {
                    break;
                }

                continue;
            }

            if (rows.Count + errors.Count >= MaxRows)
            {
                errors.Add(new(line, "", $"The file has more than {MaxRows} rows; split it into smaller files."));
                break;
            }

            if (fields.Count != columns.Count)
            {
                errors.Add(new(line, "", $"Expected {columns.Count} columns but found {fields.Count}. Quote values that contain commas."));
                continue;
            }

            string Get(string name) => columns.TryGetValue(name, out var i) ? fields[i] : "";
            var before = errors.Count;
            var sourceUser = CheckLogin(line, "source_user", Get("source_user"), errors);
            var sourcePassword = sourcePasswordOptional && Get("source_password").Length == 0 ? "" : CheckSecret(line, "source_password", Get("source_password"), errors);
            var destUser = CheckLogin(line, "dest_user", Get("dest_user"), errors);
            var destPassword = destPasswordOptional && Get("dest_password").Length == 0 ? "" : CheckSecret(line, "dest_password", Get("dest_password"), errors);
            var prefix = CheckPrefix(line, Get(Optional), errors);
            if (errors.Count > before)
            {
                continue;
            }

            var key = Mailbox.NormalizeLogin(sourceUser);
            if (seen.TryGetValue(key, out var firstLine))
            {
                errors.Add(new(line, "source_user", $"{key} appears again (first on line {firstLine})."));
                continue;
            }

            seen[key] = line;
            rows.Add(new(line, key, sourcePassword, Mailbox.NormalizeLogin(destUser), destPassword, prefix));
        }

        if (columns is null && errors.Count == 0)
        {
            errors.Add(new(1, "", "The file is empty. Expected a header row: " + string.Join(',', Required) + "[," + Optional + "]."));
        }
        else if (columns is not null && rows.Count == 0 && errors.Count == 0)
        {
            errors.Add(new(1, "", "The file has a header but no mailbox rows."));
        }

        return new(rows, errors);
    }

    private static Dictionary<string, int>? ReadHeader(int line, List<string> fields, string[] required, List<MailboxCsvError> errors)
    {
        var columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < fields.Count; i++)
        {
            var name = fields[i].Trim().ToLowerInvariant();
            if (!Required.Contains(name) && name != Optional)
            {
                errors.Add(new(line, name, $"Unknown column '{fields[i].Trim()}'. Expected: {string.Join(',', Required)}[,{Optional}]."));
                continue;
            }

            if (!columns.TryAdd(name, i))
            {
                errors.Add(new(line, name, $"Column '{name}' appears twice."));
            }
        }

        var missing = required.Where(r => !columns.ContainsKey(r)).ToList();
        if (missing.Count > 0)
        {
            errors.Add(new(line, "", $"The header row is missing {string.Join(", ", missing)}. The first row must name the columns: {string.Join(',', Required)}[,{Optional}]."));
        }

        return errors.Count > 0 ? null : columns;
    }

    private static string CheckLogin(int line, string field, string value, List<MailboxCsvError> errors)
    {
        var v = value.Trim();
        if (v.Length == 0)
        {
            errors.Add(new(line, field, "is empty."));
        }
        else if (v.Length > 320)
        {
            errors.Add(new(line, field, "is longer than 320 characters."));
        }
        else if (v[0] is '=' or '+' or '-' or '@')
        {
            errors.Add(new(line, field, $"starts with '{v[0]}', which is not a valid login (spreadsheet formula?)."));
        }
        else if (v.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '"' or '\'' or '<' or '>' or ',' or ';' or '\\'))
        {
            errors.Add(new(line, field, "contains spaces, quotes or control characters; a login cannot contain them."));
        }

        return v;
    }

    private static string CheckSecret(int line, string field, string value, List<MailboxCsvError> errors)
    {
        // Passwords are taken as they are (spaces included); only empty, huge or control characters are refused.
        if (value.Length == 0)
        {
            errors.Add(new(line, field, "is empty."));
        }
        else if (value.Length > MaxFieldLength)
        {
            errors.Add(new(line, field, $"is longer than {MaxFieldLength} characters."));
        }
        else if (value.Any(c => c is '\r' or '\n' or '\0'))
        {
            errors.Add(new(line, field, "contains a line break or NUL character."));
        }

        return value;
    }

    private static string? CheckPrefix(int line, string value, List<MailboxCsvError> errors)
    {
        var v = value.Trim();
        if (v.Length == 0)
        {
            return null;
        }

        if (v.Length > 200 || v.Any(char.IsControl) || v.Contains("..") || v[0] is '=' or '+' or '-' or '@')
        {
            errors.Add(new(line, Optional, "must be a plain folder name (no control characters, no '..', not a formula)."));
        }

        return v;
    }

    /// <summary>RFC 4180 records with the line each starts on.</summary>
    private static IEnumerable<(int Line, List<string> Fields, string? Error)> ReadRecords(string text)
    {
        var line = 1;
        var i = 0;
        while (i < text.Length)
        {
            var startLine = line;
            var fields = new List<string>();
            var field = new StringBuilder();
            string? error = null;
            var inQuotes = false;
            var fieldStarted = false;
            for (; i < text.Length; i++)
            {
                var c = text[i];
                if (inQuotes)
                {
                    if (c == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            field.Append('"');
                            i++;
                        }
                        else
                        {
                            inQuotes = false;
                        }
                    }
                    else
                    {
                        if (c == '\n')
                        {
                            line++;
                        }

                        field.Append(c);
                    }

                    continue;
                }

                if (c == '"' && !fieldStarted)
                {
                    inQuotes = true;
                    fieldStarted = true;
                }
                else if (c == '"')
                {
                    error ??= "A quote appears inside an unquoted value; wrap the whole value in quotes and double the inner quotes.";
                    field.Append(c);
                }
                else if (c == ',')
                {
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldStarted = false;
                }
                else if (c is '\r' or '\n')
                {
                    if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                    {
                        i++;
                    }

                    i++;
                    line++;
                    break;
                }
                else
                {
                    field.Append(c);
                    fieldStarted = true;
                }
            }

            if (inQuotes)
            {
                error = "A quoted value is never closed; the rest of the file was read as one value.";
            }

            fields.Add(field.ToString());
            yield return (startLine, fields, error);
        }
    }
}
