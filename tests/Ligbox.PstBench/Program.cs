using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ligbox.Core.Pst;
using Ligbox.Testing.Dovecot;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Processes;
using Ligbox.Tools.Readpst;
using MailKit;
using Microsoft.Extensions.Options;
using MimeKit;

// Generates an mbox of N messages of ~S bytes, then measures against a local Dovecot (fsync on):
// (1) a raw IMAP APPEND ceiling: the same messages, pre-serialized, appended over one connection;
// (2) our import of the mbox file (parse, identity check, append, one connection) into a fresh account;
// (3) a re-import (everything skipped); and our peak RSS (VmHWM).
// Usage: Ligbox.PstBench [messages=20000] [bytes=5000]
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
var size = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5_000;
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;

using var dovecot = new DovecotServer(new DovecotServerOptions { Fsync = true });
await dovecot.StartAsync();
dovecot.AddUser("raw", "pw-raw");
dovecot.AddUser("ana", "pw-ana");
var work = Directory.CreateTempSubdirectory("ligbox-pstbench-").FullName;
try
{
    var mbox = Path.Combine(work, "bench.mbox");
    var sw = Stopwatch.StartNew();
    await using (var stream = File.Create(mbox))
    {
        for (var i = 0; i < count; i++)
        {
            var message = TestMessages.Create($"bench {i}", bodyBytes: size);
            message.Headers.Add("Status", "RO");
            await stream.WriteAsync(Encoding.ASCII.GetBytes("From ana@example.com Fri Mar 15 10:30:00 2024\n"));
            message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Unix }, stream);
            await stream.WriteAsync("\n"u8.ToArray());
        }
    }

    var mboxBytes = new FileInfo(mbox).Length;
    Console.WriteLine($"mbox: {count} messages, {mboxBytes / 1048576.0:0.0} MiB, generated in {sw.Elapsed.TotalSeconds:0.0} s");

    // (1) Raw ceiling: MailKit APPEND of already-parsed messages, no identity check, one connection.
    sw.Restart();
    using (var client = await dovecot.ConnectAsync("raw", "pw-raw"))
    {
        await using var stream = File.OpenRead(mbox);
        var parser = new MimeParser(stream, MimeFormat.Mbox);
        var batch = new List<MimeMessage>();
        while (!parser.IsEndOfStream)
        {
            batch.Add(await parser.ParseMessageAsync());
            if (batch.Count == 500 || parser.IsEndOfStream)
            {
                var requests = batch.Select(m => (IAppendRequest)new AppendRequest(m, MessageFlags.Seen)).ToList();
                await client.Inbox.AppendAsync(requests);
                batch.Clear();
            }
        }
    }

    var raw = sw.Elapsed;
    Report("raw APPEND ceiling (MULTIAPPEND x500, parse included)", raw);

    // (2) Our import.
    var importer = new PstImporter(new ReadpstRunner(new CliWrapProcessRunner(), Options.Create(new ReadpstSettings())), TimeProvider.System);
    var endpoint = new ImapEndpoint(dovecot.Host, dovecot.Port, ImapSecurity.None, "ana", "pw-ana");
    var request = new PstImportRequest(mbox, "bench.mbox", endpoint, Path.Combine(work, "work"), Path.Combine(work, "quarantine"), "Imported PST");
    sw.Restart();
    var stats = await importer.ImportAsync(request);
    var ours = sw.Elapsed;
    Report($"our import ({stats.Appended} appended, {stats.Quarantined} quarantined)", ours);
    Console.WriteLine($"  ratio to ceiling: {raw.TotalSeconds / ours.TotalSeconds:P0}");
    Console.WriteLine($"  Dovecot reports {await dovecot.CountMessagesAsync("ana", "Imported PST/bench")} messages in 'Imported PST/bench'");

    // (3) Re-import: identity check only.
    sw.Restart();
    var again = await importer.ImportAsync(request);
    Report($"re-import ({again.Appended} appended, {again.Skipped} skipped)", sw.Elapsed);
    Console.WriteLine($"peak RSS (VmHWM): {PeakRssMb():0} MiB");

    void Report(string what, TimeSpan elapsed) =>
        Console.WriteLine($"{what}: {elapsed.TotalSeconds:0.0} s, {count / elapsed.TotalSeconds:0} msg/s, {mboxBytes / 1048576.0 / elapsed.TotalSeconds:0.0} MiB/s");
}
finally
{
    Directory.Delete(work, recursive: true);
}

static double PeakRssMb()
{
    var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
}
