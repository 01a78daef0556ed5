using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Ligbox.Core.Storage;
using Ligbox.Tools.Zimbra;

namespace Ligbox.Core.Zimbra;

/// <summary>
/// The items of a Zimbra export that are not mail, as standard files in one zip per import: contacts in
/// <c>contacts.vcf</c> (vCard 3.0, from the contact's fields in its meta), appointments in
/// <c>calendar.ics</c> and tasks in <c>tasks.ics</c> (iCalendar, the components of each item merged into
/// one calendar), briefcase documents under <c>briefcase/</c>, anything else under <c>other/</c> as it
/// came. Written to a temp name and moved into place when complete, so a half-written archive is never offered.
/// The PST import keeps readpst's contacts and calendar entries the same way (<see cref="AddFileAsync"/>).
/// </summary>
internal sealed class OtherItemsArchive(string path) : IAsyncDisposable
{
    /// <summary>iCalendar items larger than this are kept as their own file instead of merged.</summary>
    private const int MergeUpTo = 1024 * 1024;

    private readonly StringBuilder _contacts = new();
    private readonly StringBuilder _events = new();
    private readonly StringBuilder _todos = new();
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private FileStream? _file;
    private ZipArchive? _zip;
    private int _count;

    private string TempPath => path + ".partial";

    /// <summary>Adds one item (reads its content).</summary>
    public async Task AddAsync(ZimbraTgzItem item, CancellationToken cancellationToken)
    {
        _count++;
        var meta = item.Meta;
        var id = meta?.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? _count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        switch (item.Type)
        {
            case ZimbraItemType.Contact when item.Content is null:
                _contacts.Append(ZimbraVCard.Write(ZimbraMetadata.ContactFields(meta?.Metadata), meta?.Sender));
                return;
            case ZimbraItemType.Appointment or ZimbraItemType.Task when item.Content is not null && item.ContentLength <= MergeUpTo:
                var text = await new StreamReader(item.Content, Encoding.UTF8).ReadToEndAsync(cancellationToken);
                if (CalendarComponents(text) is { } components)
                {
                    (item.Type == ZimbraItemType.Task ? _todos : _events).Append(components);
                    return;
                }

                await WriteAsync($"{Folder(item.Type)}/{id}{Extension(item.ContentEntryName)}", new MemoryStream(Encoding.UTF8.GetBytes(text)), cancellationToken);
                return;
        }

        if (item.Content is not null)
        {
            var name = item.Type == ZimbraItemType.Document
                ? $"briefcase/{SafeName(meta?.Name ?? meta?.Subject ?? Path.GetFileName(item.ContentEntryName ?? id))}"
                : $"{Folder(item.Type)}/{id}{Extension(item.ContentEntryName)}";
            await WriteAsync(name, item.Content, cancellationToken);
        }
        else
        {
            // A meta-only item of a kind with no standard file (or a contact with content): its meta as JSON, so nothing is lost.
            await WriteAsync($"{Folder(item.Type)}/{id}.json", new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(meta)), cancellationToken);
        }
    }

    /// <summary>
    /// Adds a standard file of another source (readpst's <c>.vcf</c> contacts and <c>.ics</c> calendar entries):
    /// vCards join <c>contacts.vcf</c>, iCalendar components join <c>calendar.ics</c>, anything else goes under <c>other/</c>.
    /// </summary>
    public async Task AddFileAsync(string path, CancellationToken cancellationToken)
    {
        _count++;
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is ".vcf" or ".ics" && new FileInfo(path).Length <= MergeUpTo)
        {
            var text = await File.ReadAllTextAsync(path, cancellationToken);
            if (extension == ".vcf")
            {
                _contacts.Append(text.Replace("\r\n", "\n").Replace("\n", "\r\n"));
                return;
            }

            if (CalendarComponents(text) is { } components)
            {
                _events.Append(components);
                return;
            }
        }

        await using var file = File.OpenRead(path);
        await WriteAsync($"other/{_count}{Path.GetExtension(path)}", file, cancellationToken);
    }

    /// <summary>Writes the merged files and moves the archive into place; <c>false</c> when there was nothing to keep.</summary>
    public async Task<bool> CompleteAsync(CancellationToken cancellationToken)
    {
        if (_count == 0)
        {
            return false;
        }

        if (_contacts.Length > 0)
        {
            await WriteAsync("contacts.vcf", new MemoryStream(Encoding.UTF8.GetBytes(_contacts.ToString())), cancellationToken);
        }

        if (_events.Length > 0)
        {
            await WriteAsync("calendar.ics", new MemoryStream(Encoding.UTF8.GetBytes(Calendar(_events))), cancellationToken);
        }

        if (_todos.Length > 0)
        {
            await WriteAsync("tasks.ics", new MemoryStream(Encoding.UTF8.GetBytes(Calendar(_todos))), cancellationToken);
        }

        await CloseAsync();
        File.Move(TempPath, path, overwrite: true);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        if (File.Exists(TempPath))
        {
            File.Delete(TempPath);
        }
    }

    /// <summary>The components of a VCALENDAR (VEVENT, VTODO, VTIMEZONE, ...) without its own BEGIN/END and header lines; <c>null</c> when it is not one.</summary>
    internal static string? CalendarComponents(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        if (!lines.Any(l => l.Trim().Equals("BEGIN:VCALENDAR", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        var result = new StringBuilder();
        var depth = 0;
        foreach (var line in lines)
        {
            if (line.StartsWith("BEGIN:", StringComparison.OrdinalIgnoreCase) && !line.StartsWith("BEGIN:VCALENDAR", StringComparison.OrdinalIgnoreCase))
            {
                depth++;
            }

            if (depth > 0)
            {
                result.Append(line).Append("\r\n");
            }

            if (line.StartsWith("END:", StringComparison.OrdinalIgnoreCase) && !line.StartsWith("END:VCALENDAR", StringComparison.OrdinalIgnoreCase))
            {
                depth--;
            }
        }

        return result.ToString();
    }

    private static string Calendar(StringBuilder components) =>
        $"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Ligbox//Zimbra import//EN\r\n{components}END:VCALENDAR\r\n";

    private async Task WriteAsync(string name, Stream content, CancellationToken cancellationToken)
    {
        if (_zip is null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            _file = PrivateFile.Open(TempPath, FileMode.Create);
            _zip = new ZipArchive(_file, ZipArchiveMode.Create, leaveOpen: true);
        }

        var unique = name;
        for (var n = 2; !_names.Add(unique); n++)
        {
            unique = $"{Path.ChangeExtension(name, null)}-{n}{Path.GetExtension(name)}";
        }

        var entry = _zip.CreateEntry(unique, CompressionLevel.Fastest);
        await using var target = await entry.OpenAsync(cancellationToken);
        await content.CopyToAsync(target, cancellationToken);
    }

    private async Task CloseAsync()
    {
        if (_zip is not null)
        {
            await _zip.DisposeAsync();
            _zip = null;
        }

        if (_file is not null)
        {
            await _file.DisposeAsync();
            _file = null;
        }
    }

    private static string Folder(ZimbraItemType type) => type switch
    {
        ZimbraItemType.Contact => "contacts",
        ZimbraItemType.Appointment => "calendar",
        ZimbraItemType.Task => "tasks",
        ZimbraItemType.Document => "briefcase",
        _ => "other/" + ZimbraItemTypes.Name(type).Replace(' ', '-'),
    };

    private static string Extension(string? entryName) => Path.GetExtension(entryName ?? "") is { Length: > 1 and <= 8 } ext ? ext : ".bin";

    private static string SafeName(string name)
    {
        var safe = new string(name.Select(c => c is '/' or '\\' or ':' || char.IsControl(c) ? '_' : c).ToArray()).Trim('.', ' ');
        return safe.Length == 0 ? "file" : safe;
    }
}
