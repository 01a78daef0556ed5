using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Ligbox.Testing.Zimbra;

/// <summary>One folder of a generated export and how many messages it holds.</summary>
/// <param name="Path">The Zimbra folder path without leading slash (<c>Inbox/Projetos</c>).</param>
/// <param name="Messages">How many messages.</param>
public sealed record GeneratedFolder(string Path, int Messages);

/// <summary>One message written into a generated export (what a test expects to find after an import).</summary>
public sealed record GeneratedMessage(
    int Id,
    string Folder,
    string TarDirectory,
    DateTimeOffset Date,
    string FlagStr,
    IReadOnlyList<string> Tags,
    string? MessageId,
    string Subject,
    bool Truncated);

/// <summary>What to generate.</summary>
public sealed record ZimbraTgzSpec
{
    /// <summary>The 5,000-message layout of issue #13: a folder split into !1/!2/!3, nested and Portuguese folders.</summary>
    public static IReadOnlyList<GeneratedFolder> StandardFolders { get; } =
    [
        new("Inbox", 1200),
        new("Sent", 800),
        new("Drafts", 50),
        new("Junk", 100),
        new("Trash", 150),
        new("Inbox/Projetos", 600),
        new("Inbox/Projetos/2024", 300),
        new("Arquivo/Relatórios", 900),
        new("Itens Enviados", 400),
        new("Clientes/Ações", 500),
    ];

    public IReadOnlyList<GeneratedFolder> Folders { get; init; } = StandardFolders;

    /// <summary>Approximate body size of each message in bytes.</summary>
    public int BodyBytes { get; init; } = 600;

    /// <summary>The message (1-based, over all folders) written without a Message-ID; 0 for none.</summary>
    public int WithoutMessageId { get; init; } = 1234;

    /// <summary>The message whose content entry is cut short (its meta announces the full size); 0 for none.</summary>
    public int TruncatedMessage { get; init; } = 4321;

    /// <summary>Contacts (meta only, fields in the bencoded metadata, as in a real export).</summary>
    public int Contacts { get; init; } = 3;

    /// <summary>Appointments, tasks and briefcase documents (each a meta and a content entry).</summary>
    public int Appointments { get; init; } = 2;
    public int Tasks { get; init; } = 1;
    public int Documents { get; init; } = 1;

    /// <summary>Zimbra splits folders over this many items into <c>Folder!1</c>, <c>Folder!2</c>, ...</summary>
    public int SplitAt { get; init; } = 500;

    /// <summary>Seed for the random body text (bodies are random so the gzip ratio is like real mail's).</summary>
    public int Seed { get; init; } = 13;
}

/// <summary>What was generated.</summary>
public sealed class GeneratedZimbraExport
{
    public required IReadOnlyList<GeneratedMessage> Messages { get; init; }
    public required int Contacts { get; init; }
    public required int Appointments { get; init; }
    public required int Tasks { get; init; }
    public required int Documents { get; init; }

    /// <summary>The tar directories used (shows the <c>!1</c>/<c>!2</c> splits).</summary>
    public required IReadOnlyList<string> TarDirectories { get; init; }

    public IReadOnlyDictionary<string, int> CountsByFolder =>
        Messages.GroupBy(m => m.Folder).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
}

/// <summary>
/// Writes a TGZ in the format Zimbra's exporter writes (facts in ../shared/testdata/zimbra/SOURCES.md):
/// gzip'd GNU tar, each item's one-line JSON <c>.meta</c> right before its content, entry names
/// <c>&lt;folder&gt;/&lt;10-digit id&gt;-&lt;subject&gt;.eml</c>, the item type in the tar group name,
/// folders over 500 items split into <c>Folder!1</c>, <c>Folder!2</c>. Written as a stream: a 1 GiB
/// export does not sit in memory. Never a copy of a real export.
/// </summary>
public static class ZimbraTgzGenerator
{
    /// <summary>The base of all generated dates (messages spread over ten years after it).</summary>
    public static readonly DateTimeOffset FirstDate = new(2015, 1, 1, 8, 0, 0, TimeSpan.Zero);

    private static readonly (int Id, string Path)[] SystemFolders =
    [
        (1, "/"), (2, "/Inbox"), (3, "/Trash"), (4, "/Junk"), (5, "/Sent"), (6, "/Drafts"), (7, "/Contacts"),
        (10, "/Calendar"), (13, "/Emailed Contacts"), (15, "/Tasks"), (16, "/Briefcase"),
    ];

    /// <summary>Writes a TGZ file.</summary>
    public static GeneratedZimbraExport WriteFile(string path, ZimbraTgzSpec? spec = null)
    {
        using var file = File.Create(path);
        return Write(file, spec);
    }

    /// <summary>Writes the TGZ into <paramref name="output"/> (left open).</summary>
    public static GeneratedZimbraExport Write(Stream output, ZimbraTgzSpec? spec = null)
    {
        spec ??= new ZimbraTgzSpec();
        var random = new Random(spec.Seed);
        var messages = new List<GeneratedMessage>();
        var directories = new List<string>();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Gnu, leaveOpen: true))
        {
            var folderIds = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (id, folderPath) in SystemFolders)
            {
                folderIds[folderPath.Trim('/')] = id;
                WriteFolder(tar, id, folderPath);
            }

            var nextId = 257;
            foreach (var folder in spec.Folders)
            {
                // Parents first, as Zimbra lists them.
                var parts = folder.Path.Split('/');
                for (var depth = 1; depth <= parts.Length; depth++)
                {
                    var name = string.Join('/', parts[..depth]);
                    if (!folderIds.ContainsKey(name))
                    {
                        folderIds[name] = nextId;
                        WriteFolder(tar, nextId++, "/" + name);
                    }
                }
            }

            nextId = 1000;
            var number = 0;
            foreach (var folder in spec.Folders)
            {
                for (var i = 0; i < folder.Messages; i++)
                {
                    number++;
                    var id = nextId++;
                    var directory = folder.Messages > spec.SplitAt ? $"{folder.Path}!{i / spec.SplitAt + 1}" : folder.Path;
                    if (directories.Count == 0 || directories[^1] != directory)
                    {
                        directories.Add(directory);
                    }

                    var message = NewMessage(number, id, folder.Path, directory, spec);
                    messages.Add(message);
                    var body = Body(random, spec.BodyBytes);
                    var bytes = Encoding.UTF8.GetBytes(Rfc822(message, body));
                    var contentLength = message.Truncated ? bytes.Length / 2 : bytes.Length;
                    var entryName = $"{directory}/{id:D10}-{SafeName(message.Subject)}.eml";
                    WriteEntry(tar, entryName + ".meta", "message", message.Date, Meta(new()
                    {
                        ["id"] = id,
                        ["type"] = 5,
                        ["folder_id"] = folderIds[folder.Path],
                        ["imap_id"] = id,
                        ["date"] = message.Date.ToUnixTimeSeconds(),
                        ["size"] = bytes.Length,
                        ["FlagStr"] = message.FlagStr,
                        ["unread"] = message.FlagStr.Contains('u') ? 1 : 0,
                        ["TagNames"] = string.Join(',', message.Tags.Select(t => t.Replace("\\", "\\\\").Replace(",", "\\,"))),
                        ["Path"] = "/" + folder.Path + "/",
                        ["subject"] = message.Subject,
                        ["sender"] = "Remetente <sender@gen.ligbox.test>",
                        ["blob_digest"] = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(bytes)),
                        ["Ver"] = 10,
                    }));
                    WriteEntry(tar, entryName, "message", message.Date, bytes.AsSpan(0, contentLength).ToArray());
                }
            }

            for (var i = 1; i <= spec.Contacts; i++)
            {
                var first = $"Contato{i}";
                var email = $"contato{i}@gen.ligbox.test";
                var metadata = $"d3:fldd5:email{Utf8Len(email)}:{email}9:firstName{Utf8Len(first)}:{first}8:lastName5:Silvae1:vi10ee";
                WriteEntry(tar, $"Contacts/{first}.meta", "contact", FirstDate, Meta(new()
                {
                    ["id"] = nextId++, ["type"] = 6, ["folder_id"] = 7, ["date"] = FirstDate.ToUnixTimeSeconds(), ["size"] = 0,
                    ["FlagStr"] = "", ["TagNames"] = "", ["Path"] = "/Contacts/", ["metadata"] = metadata, ["sender"] = first,
                }));
            }

            for (var i = 1; i <= spec.Appointments; i++)
            {
                var id = nextId++;
                var ics = $"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:Zimbra-Calendar-Provider\r\nBEGIN:VEVENT\r\nUID:gen-{id}@gen.ligbox.test\r\nSUMMARY:Reunião {i}\r\nDTSTART:20240301T1{i}0000Z\r\nDTEND:20240301T1{i}3000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
                WriteItem(tar, $"Calendar/{id:D10}-Reunião {i}", "appointment", 11, id, 10, "/Calendar/", $"Reunião {i}", Encoding.UTF8.GetBytes(ics));
            }

            for (var i = 1; i <= spec.Tasks; i++)
            {
                var id = nextId++;
                var ics = $"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:gen-{id}@gen.ligbox.test\r\nSUMMARY:Tarefa {i}\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";
                WriteItem(tar, $"Tasks/{id:D10}-Tarefa {i}", "task", 15, id, 15, "/Tasks/", $"Tarefa {i}", Encoding.UTF8.GetBytes(ics));
            }

            for (var i = 1; i <= spec.Documents; i++)
            {
                var id = nextId++;
                WriteItem(tar, $"Briefcase/{id:D10}-nota{i}.txt", "document", 8, id, 16, "/Briefcase/", $"nota{i}.txt", Encoding.UTF8.GetBytes($"Documento {i} do porta-arquivos.\n"));
            }
        }

        return new GeneratedZimbraExport
        {
            Messages = messages,
            Contacts = spec.Contacts,
            Appointments = spec.Appointments,
            Tasks = spec.Tasks,
            Documents = spec.Documents,
            TarDirectories = directories,
        };
    }

    /// <summary>A gzip'd tar of ordinary files (no .meta): a tar that is not a Zimbra export.</summary>
    public static void WritePlainTgz(string path)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Gnu);
        WriteEntry(tar, "notes/readme.txt", "users", FirstDate, "just a file\n"u8.ToArray());
        WriteEntry(tar, "notes/todo.txt", "users", FirstDate, "another file\n"u8.ToArray());
    }

    /// <summary>The flag letters a message gets: every letter of the format appears across an export.</summary>
    public static string FlagsFor(int number, string folder)
    {
        var letters = new StringBuilder();
        if (number % 2 == 0) letters.Append('u');
        if (number % 7 == 0) letters.Append('f');
        if (number % 5 == 0) letters.Append('r');
        if (number % 11 == 0) letters.Append('w');
        if (folder == "Drafts") letters.Append('d');
        if (folder is "Sent" or "Itens Enviados") letters.Append('s');
        if (number % 13 == 0) letters.Append('a');
        if (number % 97 == 0) letters.Append('x');
        if (number % 17 == 0) letters.Append('!');
        if (number % 19 == 0) letters.Append('?');
        return letters.ToString();
    }

    /// <summary>The tags a message gets (some with spaces and a comma, as users name them).</summary>
    public static IReadOnlyList<string> TagsFor(int number) =>
        (number % 23, number % 29) switch
        {
            (0, 0) => ["Importante", "Projeto X"],
            (0, _) => ["Importante"],
            (_, 0) => ["Projeto X", "Cliente, VIP"],
            _ => [],
        };

    private static GeneratedMessage NewMessage(int number, int id, string folder, string directory, ZimbraTgzSpec spec)
    {
        var date = FirstDate.AddMinutes(number * 1051L % (10L * 365 * 24 * 60));
        return new GeneratedMessage(
            id, folder, directory, date, FlagsFor(number, folder), TagsFor(number),
            number == spec.WithoutMessageId ? null : $"<gen-{number}@gen.ligbox.test>",
            $"Mensagem {number} — relatório nº {number % 100}",
            number == spec.TruncatedMessage);
    }

    private static string Rfc822(GeneratedMessage message, string body)
    {
        var text = new StringBuilder();
        text.Append("From: Remetente <sender@gen.ligbox.test>\r\n");
        text.Append("To: Destinatário <user@gen.ligbox.test>\r\n");
        text.Append("Subject: =?UTF-8?B?").Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(message.Subject))).Append("?=\r\n");
        text.Append("Date: ").Append(message.Date.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture)).Append("\r\n");
        if (message.MessageId is not null)
        {
            text.Append("Message-ID: ").Append(message.MessageId).Append("\r\n");
        }

        text.Append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
        text.Append("Olá, mensagem ").Append(message.Id).Append(".\r\n").Append(body);
        return text.ToString();
    }

    private static string Body(Random random, int bytes)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 ";
        var text = new StringBuilder(bytes + bytes / 70 * 2 + 2);
        var line = 0;
        for (var i = 0; i < bytes; i++)
        {
            text.Append(alphabet[random.Next(alphabet.Length)]);
            if (++line == 70)
            {
                text.Append("\r\n");
                line = 0;
            }
        }

        return text.Append("\r\n").ToString();
    }

    private static void WriteItem(TarWriter tar, string name, string group, int type, int id, int folderId, string path, string subject, byte[] content)
    {
        WriteEntry(tar, name + ".meta", group, FirstDate, Meta(new()
        {
            ["id"] = id, ["type"] = type, ["folder_id"] = folderId, ["date"] = FirstDate.ToUnixTimeSeconds(), ["size"] = content.Length,
            ["FlagStr"] = "", ["TagNames"] = "", ["Path"] = path, ["subject"] = subject, ["name"] = subject,
        }));
        WriteEntry(tar, name, group, FirstDate, content);
    }

    private static void WriteFolder(TarWriter tar, int id, string path)
    {
        var name = path == "/" ? "USER_ROOT" : path[(path.LastIndexOf('/') + 1)..];
        WriteEntry(tar, $"{id:D10}-{name}.meta", "folder", FirstDate, Meta(new()
        {
            ["id"] = id, ["type"] = 1, ["folder_id"] = 1, ["date"] = FirstDate.ToUnixTimeSeconds(), ["size"] = 0,
            ["FlagStr"] = "", ["TagNames"] = "", ["Path"] = path, ["subject"] = name, ["name"] = name, ["imap_id"] = -1,
        }));
    }

    private static byte[] Meta(Dictionary<string, object> fields) => JsonSerializer.SerializeToUtf8Bytes(fields);

    private static void WriteEntry(TarWriter tar, string name, string group, DateTimeOffset modified, byte[] content)
    {
        var entry = new GnuTarEntry(TarEntryType.RegularFile, name)
        {
            GroupName = group,
            ModificationTime = modified,
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            DataStream = new MemoryStream(content, writable: false),
        };
        tar.WriteEntry(entry);
    }

    private static string SafeName(string subject)
    {
        var name = new StringBuilder();
        foreach (var c in subject)
        {
            name.Append(c is '/' or '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|' ? '_' : c);
        }

        return name.ToString();
    }

    private static int Utf8Len(string text) => Encoding.UTF8.GetByteCount(text);
}
