using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Ligbox.Testing.Dovecot;
using Ligbox.Testing.Pst;
using Ligbox.Tools.Readpst;
using MailKit;
using MimeKit;

namespace Ligbox.PstBench;

/// <summary>One generated message file.</summary>
internal sealed record CorpusMessage(string Path, string Folder, long Length);

/// <summary>
/// A tree shaped like <c>readpst -e</c> output (<c>Outlook/Inbox/1.eml</c>...), with realistic mixed messages:
/// sizes log-uniform between 5 KB and 200 KB, plain text below ~12 KB, text plus a base64 attachment above,
/// three in four read (<c>Status: RO</c>), a contacts folder with a few non-mail items.
/// </summary>
internal sealed class Corpus
{
    private static readonly (string Folder, double Share)[] Layout =
    [
        ("Outlook/Inbox", 0.35), ("Outlook/Inbox/Projects", 0.10), ("Outlook/Sent Items", 0.20), ("Outlook/Archive/2019", 0.12),
        ("Outlook/Archive/2020", 0.12), ("Outlook/Deleted Items", 0.06), ("Outlook/Clientes/São Paulo", 0.05),
    ];

    private static readonly string[] Words = "reunião contrato proposta invoice meeting schedule report budget projeto entrega cliente review draft final".Split(' ');

    private Corpus(string root, List<CorpusMessage> messages, List<ReadpstItem> notMail)
    {
        Root = root;
        Messages = messages;
        NotMail = notMail;
        Bytes = messages.Sum(m => m.Length);
        Folders = messages.GroupBy(m => m.Folder).ToDictionary(g => g.Key, g => g.Count());
    }

    public string Root { get; }
    public List<CorpusMessage> Messages { get; }
    public List<ReadpstItem> NotMail { get; }
    public long Bytes { get; }
    public Dictionary<string, int> Folders { get; }

    public static Corpus Generate(string root, long targetBytes, int seed)
    {
        var rng = new Random(seed);
        var messages = new List<CorpusMessage>();
        var format = new FormatOptions { NewLineFormat = NewLineFormat.Unix };
        var numbers = new Dictionary<string, int>();
        long total = 0;
        var start = new DateTimeOffset(2019, 1, 2, 8, 0, 0, TimeSpan.FromHours(-3));
        while (total < targetBytes)
        {
            var folder = PstArchive.Pick(rng, Layout);
            var number = numbers[folder] = numbers.GetValueOrDefault(folder, 1) + 1; // readpst numbers start at 2
            var dir = Path.Combine(root, folder);
            Directory.CreateDirectory(dir);
            var path = Path.Combine(dir, $"{number}.eml");
            var size = (int)Math.Exp(Math.Log(5_000) + rng.NextDouble() * (Math.Log(200_000) - Math.Log(5_000)));
            using (var message = Create(rng, messages.Count, size, start.AddMinutes(messages.Count * 7)))
            using (var file = File.Create(path))
            {
                message.WriteTo(format, file);
            }

            var length = new FileInfo(path).Length;
            messages.Add(new CorpusMessage(path, folder, length));
            total += length;
        }

        var contacts = Path.Combine(root, "Outlook", "Contacts");
        Directory.CreateDirectory(contacts);
        var notMail = new List<ReadpstItem>();
        for (var i = 2; i < 5; i++)
        {
            var vcf = Path.Combine(contacts, $"{i}.vcf");
            File.WriteAllText(vcf, $"BEGIN:VCARD\nVERSION:3.0\nFN:Contact {i}\nEND:VCARD\n");
            notMail.Add(new ReadpstItem(vcf, "Outlook/Contacts", ReadpstItemKind.Contact));
        }

        return new Corpus(root, messages, notMail);
    }

    /// <summary>The messages readpst extracted (a generated PST's), as a corpus for the ceiling.</summary>
    public static Corpus FromItems(string root, IEnumerable<ReadpstItem> items) =>
        new(root, [.. items.Select(i => new CorpusMessage(i.FullPath, i.Folder, new FileInfo(i.FullPath).Length))], []);

    /// <summary>The first messages, up to <paramref name="bytes"/>.</summary>
    public Corpus Take(long bytes)
    {
        long sum = 0;
        return new Corpus(Root, Messages.TakeWhile(m => (sum += m.Length) <= bytes || sum == m.Length).ToList(), []);
    }

    /// <summary>What readpst would list for the tree (the importer's input after extraction).</summary>
    public IReadOnlyList<ReadpstItem> Items() =>
        [.. Messages.Select(m => new ReadpstItem(m.Path, m.Folder, ReadpstItemKind.Email)).OrderBy(i => i.Folder, StringComparer.Ordinal), .. NotMail];

    /// <summary>Every message, in order, as one mbox file (From_ lines, ">From " quoting).</summary>
    public long WriteMbox(string path)
    {
        using (var mbox = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            var from = Encoding.ASCII.GetBytes("From bench@example.com Mon Jan  2 08:00:00 2019\n");
            foreach (var message in Messages)
            {
                mbox.Write(from);
                foreach (var line in File.ReadLines(message.Path))
                {
                    var bytes = Encoding.UTF8.GetBytes((line.StartsWith("From ", StringComparison.Ordinal) ? ">" + line : line) + "\n");
                    mbox.Write(bytes);
                }

                mbox.Write("\n"u8);
            }
        }

        return new FileInfo(path).Length;
    }

    private static MimeMessage Create(Random rng, int n, int size, DateTimeOffset date)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress($"Pessoa {n % 97}", $"p{n % 97}@cliente.example"));
        message.To.Add(new MailboxAddress("Ana Souza", "ana@example.com"));
        message.Subject = $"{Words[rng.Next(Words.Length)]} {Words[rng.Next(Words.Length)]} #{n}";
        message.Date = date;
        message.MessageId = $"{n:D7}.{rng.Next():x}@bench.ligbox";
        if (rng.NextDouble() < 0.75)
        {
            message.Headers.Add("Status", "RO");
        }

        var textLength = size < 12_000 ? size - 600 : 2_000 + rng.Next(4_000);
        var text = new StringBuilder();
        while (text.Length < textLength)
        {
            text.Append(Words[rng.Next(Words.Length)]).Append(text.Length % 70 < 8 ? "\n" : " ");
        }

        var body = new TextPart("plain") { Text = text.ToString() };
        if (size < 12_000)
        {
            message.Body = body;
            return message;
        }

        var attachment = new byte[(size - textLength - 900) * 3 / 4];
        rng.NextBytes(attachment);
        message.Body = new Multipart("mixed")
        {
            body,
            new MimePart("application", "pdf")
            {
                Content = new MimeContent(new MemoryStream(attachment)),
                ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
                ContentTransferEncoding = ContentEncoding.Base64,
                FileName = $"documento-{n}.pdf",
            },
        };
        return message;
    }
}

/// <summary>Stands in for readpst in the benchmark: the corpus is already "extracted"; lists it like ReadpstRunner does.</summary>
internal sealed class ListedCorpusReadpst(Corpus corpus) : IReadpstRunner
{
    public Task<ReadpstResult> ExtractAsync(string pstPath, string outputDirectory, Action<ReadpstProgress>? onProgress = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new ReadpstResult(0, ReadpstErrorKind.None, null, corpus.Root, [], corpus.Items(), TimeSpan.Zero));
}

/// <summary>The ceiling: file bytes parsed and appended as they are, no identity check, no folder mapping.</summary>
internal static class RawAppend
{
    public static async Task<TimeSpan> RunAsync(DovecotServer dovecot, string user, Corpus corpus, int connections, int multiAppend)
    {
        dovecot.AddUser(user, "pw-" + user);
        var clients = new List<MailKit.Net.Imap.ImapClient>();
        try
        {
            for (var i = 0; i < connections; i++)
            {
                clients.Add(await dovecot.ConnectAsync(user, "pw-" + user));
            }

            var folders = new Dictionary<string, string>();
            foreach (var folder in corpus.Folders.Keys)
            {
                var name = folder["Outlook/".Length..];
                await DovecotServer.GetOrCreateFolderAsync(clients[0], name);
                folders[folder] = name;
            }

            var batches = new ConcurrentQueue<CorpusMessage[]>(corpus.Messages.GroupBy(m => m.Folder).SelectMany(g => Batches(g, multiAppend)));
            var sw = System.Diagnostics.Stopwatch.StartNew();
            await Task.WhenAll(clients.Select(client => Task.Run(async () =>
            {
                var open = new Dictionary<string, IMailFolder>();
                while (batches.TryDequeue(out var batch))
                {
                    var name = folders[batch[0].Folder];
                    if (!open.TryGetValue(name, out var target))
                    {
                        open[name] = target = await client.GetFolderAsync(name);
                    }

                    var messages = new List<MimeMessage>();
                    foreach (var m in batch)
                    {
                        messages.Add(MimeMessage.Load(new MemoryStream(await File.ReadAllBytesAsync(m.Path), writable: false), persistent: true));
                    }

                    var requests = messages.Select(m => (IAppendRequest)new AppendRequest(m, MessageFlags.Seen) { InternalDate = m.Date }).ToList();
                    if (requests.Count == 1)
                    {
                        await target.AppendAsync(requests[0]);
                    }
                    else
                    {
                        await target.AppendAsync(requests);
                    }

                    messages.ForEach(m => m.Dispose());
                }
            })));
            return sw.Elapsed;
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
            MailStore.Delete(dovecot, user);
        }
    }

    private static IEnumerable<CorpusMessage[]> Batches(IEnumerable<CorpusMessage> messages, int size)
    {
        var batch = new List<CorpusMessage>();
        long bytes = 0;
        foreach (var message in messages)
        {
            if (batch.Count > 0 && (batch.Count == size || bytes + message.Length > 4L * 1024 * 1024))
            {
                yield return [.. batch];
                batch.Clear();
                bytes = 0;
            }

            batch.Add(message);
            bytes += message.Length;
        }

        if (batch.Count > 0)
        {
            yield return [.. batch];
        }
    }
}

internal static class MailStore
{
    /// <summary>Frees the disk of a measured account (1 GB each) before the next measurement.</summary>
    public static void Delete(DovecotServer dovecot, string user)
    {
        var dir = Path.Combine(dovecot.MailRoot, user);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

internal static class Memory
{
    /// <summary>Resets VmHWM (Linux: writing 5 to clear_refs), so the next peak is the next step's.</summary>
    public static void ResetPeak()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        File.WriteAllText("/proc/self/clear_refs", "5");
    }

    public static double PeakMb()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    public static string LoadAverage() => File.ReadAllText("/proc/loadavg").Trim();
}
