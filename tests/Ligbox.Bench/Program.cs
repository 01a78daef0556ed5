using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ligbox.Testing.Dovecot;
using Ligbox.Tools.NativeImap;
using MailKit;

// Seeds a source Dovecot with N messages of ~5 KB in F folders (maildir files written directly, then
// `doveadm force-resync`), then measures: our initial sync, our no-change delta, `doveadm backup -R`
// pulling the same mailbox over imapc into a fresh account, and our peak RSS during the sync.
// Usage: Ligbox.Bench [messages=20000] [folders=25] [appendConnections=4]
//        Ligbox.Bench report [mailboxes=10000] [runs=3]   (the job report, scripts/bench-report.sh)
//        Ligbox.Bench matrix [--rows 1,2,3,4] [--scale 1] [--repeat 3]   (scripts/bench-matrix.sh)
//        Ligbox.Bench sizing <Ligbox.Console.dll>   (CPU and memory of the real console, scripts/bench-sizing.sh)
if (args.Length > 0 && args[0] == "report")
{
    return await ReportBench.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "sizing")
{
    return await SizingBench.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "matrix")
{
    return await MatrixBench.RunAsync(args[1..]);
}

var messages = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
var folderCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 25;
var appendConnections = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 4;
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;

using var source = new DovecotServer();
// Production-like destination: fsync on, as a real server would run.
using var destination = new DovecotServer(new DovecotServerOptions { CreateSpecialUseFolders = true, Fsync = true });
await Task.WhenAll(source.StartAsync(), destination.StartAsync());
source.AddUser("ana@example.com", "src-pw");
destination.AddUser("ana@example.com", "dst-pw");
destination.AddUser("doveadm@example.com", "dst-pw");

var folders = Enumerable.Range(0, folderCount).Select(i => i switch
{
    0 => "INBOX",
    1 => "Itens Enviados",
    2 => "Lixo",
    3 => "Clientes/2024/Março",
    _ => $"Projetos/Projeto {i:D2}",
}).ToList();
var seedClock = Stopwatch.StartNew();
long totalBytes = 0;
var perFolder = messages / folders.Count;
var random = new Random(42);
for (var f = 0; f < folders.Count; f++)
{
    var count = f == folders.Count - 1 ? messages - perFolder * (folders.Count - 1) : perFolder;
    var batch = new List<SeedRawMessage>(count);
    for (var i = 0; i < count; i++)
    {
        var raw = MakeMessage(random, f, i);
        totalBytes += raw.Length;
        batch.Add(new SeedRawMessage(raw, DateTimeOffset.UtcNow.AddMinutes(-random.Next(1, 500_000)), i % 3 == 0 ? MessageFlags.None : MessageFlags.Seen));
    }

    await source.SeedMaildirAsync("ana@example.com", folders[f], batch);
}

Console.WriteLine($"seeded {messages} messages ({totalBytes / 1048576.0:0.0} MB) in {folders.Count} folders in {seedClock.Elapsed.TotalSeconds:0.0} s (maildir files + doveadm force-resync)");

var request = new SyncRequest
{
    Source = new ImapEndpoint(source.Host, source.Port, ImapSecurity.None, "ana@example.com", "src-pw"),
    Destination = new ImapEndpoint(destination.Host, destination.Port, ImapSecurity.None, "ana@example.com", "dst-pw"),
};
var engine = new NativeImapSyncEngine(new NativeImapOptions { AppendConnectionsPerMailbox = appendConnections });
var state = new InMemorySyncStateStore();

GC.Collect();
ResetPeakRss();
var rssBefore = CurrentRssKb();
var initial = await engine.SyncAsync(request, state);
var peakRss = PeakRssKb();
Console.WriteLine($"ours initial: {initial.MessagesTransferred} msgs, {initial.BytesTransferred / 1048576.0:0.0} MB in {initial.Duration.TotalSeconds:0.00} s "
    + $"= {initial.MessagesTransferred / initial.Duration.TotalSeconds:0} msgs/s, {initial.BytesTransferred / 1048576.0 / initial.Duration.TotalSeconds:0.0} MB/s, errors {initial.Errors}");

engine.Commands.Reset();
var delta = await engine.SyncAsync(request with { Kind = SyncKind.Delta }, state);
Console.WriteLine($"ours no-change delta: {delta.MessagesTransferred} transferred, {delta.MessagesSkipped} skipped in {delta.Duration.TotalMilliseconds:0} ms; "
    + $"FETCH commands: {engine.Commands.Count("FETCH")}, SELECT/EXAMINE: {engine.Commands.Count("SELECT") + engine.Commands.Count("EXAMINE")}");

var doveadmClock = Stopwatch.StartNew();
var backup = await destination.DoveadmAsync(
[
    "-o", $"imapc_host={source.Host}", "-o", $"imapc_port={source.Port}",
    "-o", "imapc_user=ana@example.com", "-o", "imapc_password=src-pw",
    "backup", "-R", "-u", "doveadm@example.com", "imapc:",
]);
doveadmClock.Stop();
if (backup.ExitCode != 0)
{
    Console.WriteLine($"doveadm backup failed ({backup.ExitCode}): {backup.Output}");
    return 1;
}

var doveadmCount = 0;
var ourCount = 0;
foreach (var folder in folders)
{
    var mapped = folder == "Itens Enviados" ? "Sent" : folder == "Lixo" ? "Trash" : folder;
    ourCount += await destination.CountMessagesAsync("ana@example.com", mapped);
    doveadmCount += await destination.CountMessagesAsync("doveadm@example.com", folder);
}

var doveadmRate = doveadmCount / doveadmClock.Elapsed.TotalSeconds;
var ourRate = initial.MessagesTransferred / initial.Duration.TotalSeconds;
Console.WriteLine($"doveadm backup: {doveadmCount} msgs in {doveadmClock.Elapsed.TotalSeconds:0.00} s = {doveadmRate:0} msgs/s, {totalBytes / 1048576.0 / doveadmClock.Elapsed.TotalSeconds:0.0} MB/s");
Console.WriteLine($"destination counts: ours {ourCount}, doveadm {doveadmCount} (source {messages})");
Console.WriteLine($"ratio ours/doveadm (msgs/s): {ourRate / doveadmRate:0.00}");
Console.WriteLine($"peak RSS during our initial sync: {peakRss / 1024.0:0} MB (RSS before: {rssBefore / 1024.0:0} MB)");
Console.WriteLine();
Console.WriteLine("| measure | value | target |");
Console.WriteLine("|---|---|---|");
Console.WriteLine($"| ours initial | {ourRate:0} msgs/s, {initial.BytesTransferred / 1048576.0 / initial.Duration.TotalSeconds:0.0} MB/s | ≥ 60% of doveadm |");
Console.WriteLine($"| doveadm backup | {doveadmRate:0} msgs/s | |");
Console.WriteLine($"| ratio | {ourRate / doveadmRate:0.00} | ≥ 0.60 |");
Console.WriteLine($"| no-change delta ({messages} msgs) | {delta.Duration.TotalMilliseconds:0} ms, {engine.Commands.Count("FETCH")} FETCH | < 1000 ms |");
Console.WriteLine($"| peak RSS | {peakRss / 1024.0:0} MB | < 250 MB |");
return ourCount == messages && doveadmCount == messages ? 0 : 2;

static byte[] MakeMessage(Random random, int folder, int index)
{
    var body = new StringBuilder();
    while (body.Length < 4600)
    {
        body.Append(Words[random.Next(Words.Length)]).Append(body.Length % 72 < 8 ? "\r\n" : " ");
    }

    var text = $"From: Cliente {folder} <cliente{folder}@example.com>\r\nTo: Ana <ana@example.com>\r\n"
        + $"Subject: Proposta {folder}-{index}\r\nMessage-ID: <bench-{folder}-{index}@example.com>\r\n"
        + $"Date: {DateTimeOffset.UtcNow.AddMinutes(-index):r}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        + $"Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n";
    return Encoding.UTF8.GetBytes(text);
}

static void ResetPeakRss()
{
    // Writing 5 to clear_refs resets VmHWM (Linux), so the peak covers the sync only, not the seeding.
    try
    {
        File.WriteAllText("/proc/self/clear_refs", "5");
    }
    catch (IOException)
    {
    }
}

static long PeakRssKb() => ReadStatusKb("VmHWM:");

static long CurrentRssKb() => ReadStatusKb("VmRSS:");

static long ReadStatusKb(string key) =>
    File.ReadLines("/proc/self/status").Where(l => l.StartsWith(key, StringComparison.Ordinal))
        .Select(l => long.Parse(l[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)).FirstOrDefault();

internal static partial class Program
{
    private static readonly string[] Words =
    [
        "proposta", "contrato", "reunião", "orçamento", "cliente", "entrega", "prazo", "equipe", "relatório", "migração",
        "servidor", "caixa", "mensagem", "anexo", "pagamento", "fatura", "projeto", "cronograma", "aprovação", "revisão",
    ];
}
