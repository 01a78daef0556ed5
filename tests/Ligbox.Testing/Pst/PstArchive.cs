using System.Text;

namespace Ligbox.Testing.Pst;

/// <summary>
/// A generated mail archive as a PST of a given size (issue 18's row 5 and the console sizing run): plain-text
/// e-mails of 5-200 KB (log-uniform) in seven folders shaped like an Outlook archive, three in four read, from a
/// seeded random generator (the same seed gives the same file). Outlook keeps text in UTF-16, so the mail is about
/// half the file.
/// </summary>
public static class PstArchive
{
    private static readonly (string Folder, double Share)[] Layout =
    [
        ("Inbox", 0.35), ("Inbox/Projects", 0.10), ("Sent Items", 0.20), ("Archive/2019", 0.12),
        ("Archive/2020", 0.12), ("Deleted Items", 0.06), ("Clientes/São Paulo", 0.05),
    ];

    /// <summary>
    /// Writes a PST of at least <paramref name="targetBytes"/>; returns the messages per folder ("Inbox/Projects"), their
    /// count and the mail text's size in characters.
    /// </summary>
    public static (Dictionary<string, int> Folders, int Messages, long TextBytes) Write(string path, long targetBytes, int seed)
    {
        var rng = new Random(seed);
        var text = Filler(rng, 4 << 20);
        var counts = new Dictionary<string, int>();
        var count = 0;
        long textBytes = 0;
        var start = new DateTimeOffset(2019, 1, 2, 11, 0, 0, TimeSpan.Zero);
        using var writer = new PstFileWriter(path, "Outlook");
        var folders = new Dictionary<string, PstFolder>();
        foreach (var (name, _) in Layout)
        {
            Folder(name);
        }

        while (writer.Length < targetBytes)
        {
            var folder = Pick(rng, Layout);
            var size = (int)Math.Exp(Math.Log(5_000) + (rng.NextDouble() * (Math.Log(200_000) - Math.Log(5_000))));
            var at = rng.Next(text.Length - size);
            var body = $"Message {count} of the generated archive.\r\n" + text.Substring(at, size);
            writer.AddMessage(folders[folder], new PstMessage($"Archive message {count}: {Words[rng.Next(Words.Length)]}",
                $"user{rng.Next(200)}@example.com", "ana@example.com", start.AddMinutes(count * 7), body, Read: rng.Next(4) != 0));
            counts[folder] = counts.GetValueOrDefault(folder) + 1;
            textBytes += body.Length;
            count++;
        }

        writer.Complete();
        return (counts, count, textBytes);

        PstFolder Folder(string name)
        {
            if (folders.TryGetValue(name, out var folder))
            {
                return folder;
            }

            var slash = name.LastIndexOf('/');
            return folders[name] = writer.AddFolder(name[(slash + 1)..], slash < 0 ? null : Folder(name[..slash]));
        }
    }

    private static readonly string[] Words = "reunião contrato proposta invoice meeting schedule report budget projeto entrega cliente review draft final".Split(' ');

    /// <summary>Lines of random words (72 columns, CRLF), sliced per message.</summary>
    private static string Filler(Random rng, int length)
    {
        var builder = new StringBuilder(length + 100);
        var column = 0;
        while (builder.Length < length)
        {
            var word = Words[rng.Next(Words.Length)];
            if (column + word.Length > 72)
            {
                builder.Append("\r\n");
                column = 0;
            }

            builder.Append(word).Append(' ');
            column += word.Length + 1;
        }

        return builder.ToString();
    }

    /// <summary>A folder of <paramref name="layout"/> drawn with its share as its chance (the shares add up to 1).</summary>
    public static string Pick(Random rng, (string Folder, double Share)[] layout)
    {
        var x = rng.NextDouble();
        foreach (var (folder, share) in layout)
        {
            if ((x -= share) < 0)
            {
                return folder;
            }
        }

        return layout[0].Folder;
    }
}
