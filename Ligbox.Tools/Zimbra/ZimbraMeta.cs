using System.Text.Json;

namespace Ligbox.Tools.Zimbra;

/// <summary>
/// One item's <c>.meta</c>: the one line of JSON Zimbra writes before the item's content in a TGZ export.
/// Only the fields an import needs are kept; <see cref="Metadata"/> holds Zimbra's own bencoded metadata
/// (a contact's fields live there).
/// </summary>
public sealed record ZimbraMeta
{
    public int Id { get; init; }
    public ZimbraItemType Type { get; init; }

    /// <summary>The <c>type</c> number as written (kept when <see cref="Type"/> is <see cref="ZimbraItemType.Unknown"/>).</summary>
    public int TypeNumber { get; init; }
    public int FolderId { get; init; }

    /// <summary>The meta's <c>Path</c> as written: a folder's own path (<c>/Sent</c>), or an item's folder with a trailing slash (<c>/Sent/</c>).</summary>
    public string Path { get; init; } = "";

    /// <summary>
    /// The folder the item belongs to, as slash-separated names without a leading slash (<c>Inbox/Projetos</c>;
    /// empty for the root). For a folder item, the folder itself. Taken from <see cref="Path"/>, never
    /// from the tar directory (which splits folders over 500 items into <c>Folder!1</c>, <c>Folder!2</c>).
    /// </summary>
    public string FolderPath { get; init; } = "";

    /// <summary>The item's date (<c>date</c>, seconds since the epoch); <c>null</c> when absent or zero.</summary>
    public DateTimeOffset? Date { get; init; }
    public long Size { get; init; }
    public string FlagStr { get; init; } = "";
    public ZimbraFlags Flags { get; init; }

    /// <summary>Tag names (<c>TagNames</c>, comma-separated, <c>\,</c> and <c>\\</c> escaped).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
    public string? Subject { get; init; }
    public string? Name { get; init; }
    public string? Sender { get; init; }
    public string? BlobDigest { get; init; }
    public string? Metadata { get; init; }

    /// <summary>Whether Zimbra marked the message unread (<c>u</c> in FlagStr, or <c>unread</c> &gt; 0).</summary>
    public bool IsUnread => Flags.HasFlag(ZimbraFlags.Unread);
}

/// <summary>A <c>.meta</c> that is not the JSON Zimbra writes.</summary>
public sealed class ZimbraMetaException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Parses <c>.meta</c> JSON.</summary>
public static class ZimbraMetaParser
{
    /// <summary>Parses one <c>.meta</c>.</summary>
    /// <exception cref="ZimbraMetaException">Not a JSON object, or without <c>type</c>/<c>Path</c>.</exception>
    public static ZimbraMeta Parse(ReadOnlySpan<byte> json)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = true });
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            throw new ZimbraMetaException($"The .meta is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ZimbraMetaException("The .meta is not a JSON object.");
            }

            if (!TryInt(root, "type", out var typeNumber))
            {
                throw new ZimbraMetaException("The .meta has no item type (\"type\").");
            }

            if (String(root, "Path") is not { } path)
            {
                throw new ZimbraMetaException("The .meta has no folder path (\"Path\").");
            }

            var type = ZimbraItemTypes.FromNumber(typeNumber);
            var flagStr = String(root, "FlagStr") ?? "";
            var flags = ZimbraFlagString.Parse(flagStr);
            if (TryInt(root, "unread", out var unread) && unread > 0)
            {
                flags |= ZimbraFlags.Unread;
            }

            DateTimeOffset? date = TryLong(root, "date", out var seconds) && seconds > 0
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : null;
            return new ZimbraMeta
            {
                Id = TryInt(root, "id", out var id) ? id : 0,
                Type = type,
                TypeNumber = typeNumber,
                FolderId = TryInt(root, "folder_id", out var folderId) ? folderId : 0,
                Path = path,
                FolderPath = NormalizeFolder(path),
                Date = date,
                Size = TryLong(root, "size", out var size) ? size : 0,
                FlagStr = flagStr,
                Flags = flags,
                Tags = SplitTags(String(root, "TagNames")),
                Subject = String(root, "subject"),
                Name = String(root, "name"),
                Sender = String(root, "sender"),
                BlobDigest = String(root, "blob_digest"),
                Metadata = String(root, "metadata"),
            };
        }
    }

    /// <summary><c>/Inbox/Sub/</c> → <c>Inbox/Sub</c>; <c>/</c> → empty.</summary>
    public static string NormalizeFolder(string path) => path.Trim('/');

    /// <summary>Splits <c>TagNames</c> on unescaped commas.</summary>
    public static IReadOnlyList<string> SplitTags(string? tagNames)
    {
        if (string.IsNullOrEmpty(tagNames))
        {
            return [];
        }

        var tags = new List<string>();
        var current = new System.Text.StringBuilder();
        for (var i = 0; i < tagNames.Length; i++)
        {
            var c = tagNames[i];
            if (c == '\\' && i + 1 < tagNames.Length)
            {
                current.Append(tagNames[++i]);
            }
            else if (c == ',')
            {
                Add();
            }
            else
            {
                current.Append(c);
            }
        }

        Add();
        return tags;

        void Add()
        {
            var tag = current.ToString().Trim();
            if (tag.Length > 0)
            {
                tags.Add(tag);
            }

            current.Clear();
        }
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool TryLong(JsonElement root, string name, out long value)
    {
        value = 0;
        if (!root.TryGetProperty(name, out var element))
        {
            return false;
        }

        return element.ValueKind switch
        {
            JsonValueKind.Number => element.TryGetInt64(out value),
            JsonValueKind.String => long.TryParse(element.GetString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out value),
            _ => false,
        };
    }

    private static bool TryInt(JsonElement root, string name, out int value)
    {
        var ok = TryLong(root, name, out var wide) && wide is >= int.MinValue and <= int.MaxValue;
        value = ok ? (int)wide : 0;
        return ok;
    }
}
