using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ligbox.Core.Audit;
using Ligbox.Core.Gate;
using Ligbox.Core.Jobs;
using Ligbox.Core.Persistence;
using Ligbox.Core.Reports;
using Ligbox.Core.Runs;
using Ligbox.Core.Security;
using Ligbox.Core.Storage;
using Ligbox.Core.Webhooks;
using Ligbox.Tools.Statistics;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

/// <summary>
/// scripts/bench-report.sh: seeds a job of N mailboxes (8 folders each, an initial and a final run with per-mailbox
/// statistics as the run executor stores them, some mailboxes with missing messages, some excluded, the gate
/// approved) into a temp SQLite file, then builds the JSON and PDF report RUNS times: time, peak RSS, sizes.
/// </summary>
internal static class ReportBench
{
    private static readonly string[] Folders = ["INBOX", "Sent", "Drafts", "Trash", "Archive", "Clientes/2024", "Projetos/Obra", "Notas fiscais"];

    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var dir = Path.Combine(Path.GetTempPath(), "ligbox-report-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            var data = new DataDirectory(dir);
            var services = new ServiceCollection();
            services.AddDbContextFactory<LigboxDbContext>(o => o.UseSqlite($"Data Source={Path.Combine(dir, "ligbox.db")};Pooling=true"));
            services.AddDataProtection().UseEphemeralDataProtectionProvider();
            services.AddSingleton(TimeProvider.System);
            services.AddSingleton(data);
            services.AddSingleton(Options.Create(new LigboxOptions { DataDir = dir, TicketUrlTemplate = "https://desk.example/tickets/{ticket}" }));
            services.AddSingleton(Options.Create(new GateOptions()));
            services.AddSingleton<SecretProtector>();
            services.AddSingleton<AuditLog>();
            services.AddSingleton<Ligbox.Core.Deliveries.DeliverySignal>();
            services.AddSingleton<WebhookService>();
            services.AddSingleton<Ligbox.Core.Desk.DeskService>();
            services.AddSingleton<GateService>();
            services.AddSingleton<JobReportService>();
            await using var provider = services.BuildServiceProvider();
            var factory = provider.GetRequiredService<IDbContextFactory<LigboxDbContext>>();
            await using (var db = await factory.CreateDbContextAsync())
            {
                await db.Database.MigrateAsync();
            }

            var seedClock = Stopwatch.StartNew();
            var jobId = await SeedAsync(factory, count);
            var gates = provider.GetRequiredService<GateService>();
            await gates.EvaluateAsync(jobId);
            await gates.ApproveAsync(jobId, "lead@hosting.example", "Counts checked with the customer", acceptMissing: true, acceptExcluded: true);
            Console.WriteLine($"seeded {count:N0} mailboxes ({count * Folders.Length:N0} folders, 2 runs) in {seedClock.Elapsed.TotalSeconds:0.0} s");

            var reports = provider.GetRequiredService<JobReportService>();
            var json = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
            var results = new List<(double Json, double Pdf, long PeakMb, int JsonKb, int PdfKb, int Pages)>();
            for (var i = 1; i <= runs; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                ResetPeakRss();
                var clock = Stopwatch.StartNew();
                var report = await reports.BuildAsync(jobId);
                var jsonBytes = JsonSerializer.SerializeToUtf8Bytes(report, json);
                var jsonSeconds = clock.Elapsed.TotalSeconds;
                clock.Restart();
                var pdf = JobReportPdf.Render(report);
                var pdfSeconds = clock.Elapsed.TotalSeconds;
                var peak = ReadStatusKb("VmHWM:") / 1024;
                var pages = CountPages(pdf);
                results.Add((jsonSeconds, pdfSeconds, peak, jsonBytes.Length / 1024, pdf.Length / 1024, pages));
                Console.WriteLine($"run {i}: JSON {jsonSeconds:0.00} s ({jsonBytes.Length / 1024:N0} KB), PDF {pdfSeconds:0.00} s more ({pdf.Length / 1024:N0} KB, " +
                    $"{pages:N0} pages), peak RSS {peak:N0} MB");
                if (i == runs && Environment.GetEnvironmentVariable("REPORT_OUT") is { Length: > 0 } outPath)
                {
                    await File.WriteAllBytesAsync(outPath, pdf);
                    Console.WriteLine($"PDF written to {outPath}");
                }
            }

            static double Median(IEnumerable<double> xs)
            {
                var s = xs.OrderBy(x => x).ToList();
                return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
            }

            Console.WriteLine();
            Console.WriteLine($"| {count:N0} mailboxes, median of {runs} | value |");
            Console.WriteLine("|---|---|");
            Console.WriteLine($"| JSON report (build + serialize) | {Median(results.Select(r => r.Json)):0.00} s, {results[0].JsonKb:N0} KB |");
            Console.WriteLine($"| PDF (render after build) | {Median(results.Select(r => r.Pdf)):0.00} s, {results[0].PdfKb:N0} KB, {results[0].Pages:N0} pages |");
            Console.WriteLine($"| JSON + PDF | {Median(results.Select(r => r.Json + r.Pdf)):0.00} s |");
            Console.WriteLine($"| peak RSS of the process | {Median(results.Select(r => (double)r.PeakMb)):0} MB |");
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<Guid> SeedAsync(IDbContextFactory<LigboxDbContext> factory, int count)
    {
        await using var db = await factory.CreateDbContextAsync();
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        var now = DateTime.UtcNow;
        var job = new MigrationJob("padaria.example.com.br", "Padaria Central Ltda", "DESK-20931", new ServerEndpoint { Host = "imap.oldhost.example" },
            new ServerEndpoint { Host = "mail.ligbox.example" }, SyncEngineKind.Native, new JobOptions(), "tech@hosting.example", now.AddDays(-3));
        var random = new Random(7);
        var seeded = new List<(Ligbox.Core.Mailboxes.Mailbox Box, SyncStatistics Stats)>();
        for (var i = 0; i < count; i++)
        {
            var login = $"user{i:D5}@padaria.example.com.br";
            var box = job.AddMailbox(login, "x", login, "x", null, now.AddDays(-3));
            var missing = i % 1000 == 17 ? 3 : 0;
            var folders = Folders.Select(f => (Folder: f, Count: (long)random.Next(0, 900))).ToList();
            var source = folders.Sum(f => f.Count);
            var stats = new SyncStatistics
            {
                Engine = "native",
                MessagesTransferred = (int)source - missing,
                BytesTransferred = (source - missing) * 48_000,
                Duration = TimeSpan.FromSeconds(30 + random.Next(0, 300)),
                SourceMessages = source,
                DestinationMessages = source - missing,
                SourceBytes = source * 48_000,
                DestinationBytes = (source - missing) * 48_000,
                MissingOnDestination = missing,
                Folders = folders.Select((f, n) => new FolderStatistics
                {
                    SourceFolder = f.Folder,
                    DestinationFolder = f.Folder,
                    SourceMessages = f.Count,
                    DestinationMessages = n == 0 ? f.Count - missing : f.Count,
                    Transferred = (int)f.Count,
                    BytesTransferred = f.Count * 48_000,
                }).ToList(),
                Missing = Enumerable.Range(0, missing).Select(m => new MissingMessage("INBOX", $"<m{i}-{m}@padaria.example>", $"Pedido {i}-{m}",
                    now.AddDays(-m - 10))).ToList(),
            };
            box.RecordCounts(source, source - missing, now.AddMinutes(-30));
            if (i % 2000 == 5)
            {
                box.Exclude("Mailbox of a former employee, closed by the customer", "tech@hosting.example", now.AddDays(-1));
            }

            seeded.Add((box, stats));
        }

        job.MoveTo(MigrationPhase.Syncing, now.AddDays(-2));
        job.MoveTo(MigrationPhase.FinalSync, now.AddHours(-2));
        db.Jobs.Add(job);
        foreach (var (kind, started) in new[] { (RunKind.Initial, now.AddDays(-2)), (RunKind.Final, now.AddHours(-2)) })
        {
            var run = new Run(job.Id, kind, RunTrigger.Manual, "tech@hosting.example", started);
            run.Start(started, "bench.log");
            var copied = kind == RunKind.Initial ? seeded.Sum(s => (long)s.Stats.MessagesTransferred) : 0;
            run.Complete(started.AddHours(kind == RunKind.Initial ? 9 : 1), JsonSerializer.Serialize(new
            {
                mailboxes = count,
                failed = 0,
                messagesTransferred = copied,
                bytesTransferred = copied * 48_000,
            }, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
            db.Runs.Add(run);
            foreach (var (box, stats) in seeded.Where(s => !s.Box.Excluded))
            {
                var row = new RunMailbox(run.Id, box.Id, box.SourceLogin);
                row.Record(true, "ok", RunStatisticsSerializer.Write(kind == RunKind.Initial ? stats : stats with { MessagesTransferred = 0, BytesTransferred = 0 }));
                db.Add(row);
            }
        }

        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync();
        return job.Id;
    }

    private static int CountPages(byte[] pdf) =>
        System.Text.RegularExpressions.Regex.Matches(System.Text.Encoding.Latin1.GetString(pdf), @"/Type\s*/Page(?!s)").Count;

    private static void ResetPeakRss()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
            // Not Linux: the peak then covers the seeding too.
        }
    }

    private static long ReadStatusKb(string key) =>
        File.ReadLines("/proc/self/status").Where(l => l.StartsWith(key, StringComparison.Ordinal))
            .Select(l => long.Parse(l[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)).FirstOrDefault();
}
