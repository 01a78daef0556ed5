using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ligbox.Console.Realtime;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Core.Pst;
using Ligbox.Core.Runs;
using Ligbox.Console.Tests.Realtime;
using Ligbox.Testing.Dovecot;
using MailKit;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Xunit.Abstractions;
using static Ligbox.Console.Tests.Realtime.RealtimeTestSupport;

namespace Ligbox.Console.Tests.Pst;

/// <summary>
/// PST/mbox imports on the one run pipeline: cancel (within 5 s, for good, no readpst left, then a re-import
/// completes exactly once) and readpst's lines on <c>/hubs/runs</c>. Real readpst, real Dovecot, real Kestrel.
/// The slow PST extraction is a fault injection: a readpst stand-in that prints readpst's first line and then
/// waits before running the real readpst, only while the test's marker file exists.
/// </summary>
public sealed class ImportPipelineTests(ImportPipelineTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<ImportPipelineTests.Fixture>
{
    public sealed class Fixture : LigboxKestrelAppFactory
    {
        private readonly string _tools = Path.Combine(Path.GetTempPath(), "ligbox-slowpst-" + Guid.NewGuid().ToString("N")[..8]);

        public DovecotServer Dovecot { get; } = new();
        public HttpClient Api { get; private set; } = null!;

        /// <summary>While this file exists, the readpst stand-in stalls for a minute before extracting.</summary>
        public string SlowMarker => Path.Combine(_tools, "slow");

        /// <summary>The stand-in's path: it appears in the command line of its process and of its children.</summary>
        public string ReadpstStandIn => Path.Combine(_tools, "readpst-standin");

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Tools:Readpst:ReadpstPath"] = ReadpstStandIn,
        };

        public override async Task InitializeAsync()
        {
            Directory.CreateDirectory(_tools);
            await File.WriteAllTextAsync(ReadpstStandIn, $"""
                #!/bin/sh
                if [ -f '{SlowMarker}' ]; then
                  echo 'Processing Folder "Inbox"'
                  sleep 60
                fi
                exec /usr/bin/readpst "$@"
                """.Replace("\r", "", StringComparison.Ordinal));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(ReadpstStandIn, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            await Dovecot.StartAsync();
            await base.InitializeAsync();
            Api = await CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            Dovecot.Dispose();
            Directory.Delete(_tools, recursive: true);
        }

        public async Task<Guid> StartImportAsync(string jobId, string mailboxId, string path)
        {
            await using var scope = Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<PstImportService>()
                .StartImportAsync(Guid.Parse(jobId), Guid.Parse(mailboxId), new PstImportStart(null, FilePath: path), new PstImportCaller("tests", null, IsAdmin: true));
        }
    }

    [Fact]
    public async Task CancellingALargeMboxImport_StopsItWithin5s_ForGood_AndAReimportCompletesExactlyOnce()
    {
        const int count = 30_000;
        var api = fixture.Api;
        var (jobId, mailboxId, user) = await PstUploads.CreateJobWithMailboxAsync(api, fixture.Dovecot, "cancelmbox");
        var mbox = Path.Combine(fixture.DataDir, "big.mbox");
        WriteMbox(mbox, count);

        var runId = await fixture.StartImportAsync(jobId, mailboxId, mbox);
        await WaitAsync(async () => (await ReportAsync(runId)).Appended >= 2000, TimeSpan.FromSeconds(90), "the import did not start appending");

        var (elapsed, status) = await CancelAsync(runId);
        // A MULTIAPPEND already sent when the connection was cut may still be stored by the server: let it settle.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var atCancel = await fixture.Dovecot.CountMessagesAsync(user, "Imported PST/big");
        output.WriteLine($"mbox: Cancelled {elapsed.TotalMilliseconds:N0} ms after the cancel was asked; {atCancel} of {count} on the destination");
        Assert.Equal("Cancelled", status);
        Assert.True(elapsed < TimeSpan.FromSeconds(5), $"took {elapsed}");
        Assert.InRange(atCancel, 1, count - 1);

        // For good: nothing more is appended and the status is never overwritten.
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Equal(atCancel, await fixture.Dovecot.CountMessagesAsync(user, "Imported PST/big"));
        var run = await api.GetFromJsonAsync<JsonElement>($"/api/migration/runs/{runId}");
        Assert.Equal("Cancelled", run.GetProperty("status").GetString());
        Assert.Equal("Cancelled", run.GetProperty("mailboxes")[0].GetProperty("status").GetString());

        // The same file again: what was appended is skipped, the rest appended, once.
        var again = await fixture.StartImportAsync(jobId, mailboxId, mbox);
        var done = await WaitForEndAsync(again, TimeSpan.FromSeconds(180));
        Assert.True(done.GetProperty("status").GetString() == "Succeeded", done.ToString());
        var report = await ReportAsync(again);
        output.WriteLine($"re-import: {report.Appended} appended, {report.Skipped} skipped");
        Assert.Equal(count, report.Appended + report.Skipped);
        Assert.Equal(atCancel, report.Skipped);
        Assert.Equal(count, await fixture.Dovecot.CountMessagesAsync(user, "Imported PST/big"));
        Assert.Equal(count, await DistinctMessageIdsAsync(user, "Imported PST/big"));
    }

    [Fact]
    public async Task CancellingAPstImportDuringExtraction_KillsReadpst_StaysCancelled_AndAReimportCompletesExactlyOnce()
    {
        var api = fixture.Api;
        var (jobId, mailboxId, user) = await PstUploads.CreateJobWithMailboxAsync(api, fixture.Dovecot, "cancelpst");
        var pst = PstUploads.PstPath("Outlook_1.pst");
        await File.WriteAllTextAsync(fixture.SlowMarker, "");
        Guid runId;
        try
        {
            runId = await fixture.StartImportAsync(jobId, mailboxId, pst);

            // readpst's line is in the run's log as it is printed, before readpst has finished.
            await WaitAsync(async () => (await LogAsync(runId)).Contains("readpst: Processing Folder \"Inbox\"", StringComparison.Ordinal),
                TimeSpan.FromSeconds(60), "readpst's first line did not reach the run log");
            Assert.NotEmpty(StandInProcesses());

            var (elapsed, status) = await CancelAsync(runId);
            output.WriteLine($"PST: Cancelled {elapsed.TotalMilliseconds:N0} ms after the cancel was asked");
            Assert.Equal("Cancelled", status);
            Assert.True(elapsed < TimeSpan.FromSeconds(5), $"took {elapsed}");
            await WaitAsync(() => Task.FromResult(StandInProcesses().Count == 0), TimeSpan.FromSeconds(2),
                $"readpst is still running: {string.Join("; ", StandInProcesses())}");
        }
        finally
        {
            File.Delete(fixture.SlowMarker);
        }

        await Task.Delay(TimeSpan.FromSeconds(2));
        var run = await api.GetFromJsonAsync<JsonElement>($"/api/migration/runs/{runId}");
        Assert.Equal("Cancelled", run.GetProperty("status").GetString());
        Assert.Equal(0, await fixture.Dovecot.CountMessagesAsync(user, "INBOX"));

        // Imported once, and a second import of the same file adds nothing.
        foreach (var expectedSkipped in new[] { 0, 14 })
        {
            var again = await fixture.StartImportAsync(jobId, mailboxId, pst);
            var done = await WaitForEndAsync(again, TimeSpan.FromSeconds(60));
            Assert.True(done.GetProperty("status").GetString() == "Succeeded", done.ToString());
            var report = await ReportAsync(again);
            Assert.Equal((14 - expectedSkipped, expectedSkipped), (report.Appended, report.Skipped));
            Assert.Equal(8, await fixture.Dovecot.CountMessagesAsync(user, "INBOX"));
            Assert.Equal(6, await fixture.Dovecot.CountMessagesAsync(user, "Sent"));
        }
    }

    [Fact]
    public async Task PstRunLines_ArriveOnTheRunsHub_LikeASyncs()
    {
        var api = fixture.Api;
        var (jobId, mailboxId, user) = await PstUploads.CreateJobWithMailboxAsync(api, fixture.Dovecot, "hubpst");
        await using var client = Bearer(fixture.ServerAddress, await fixture.CreateTokenAsync(Scopes.JobsRead));
        var recorder = new HubRecorder(client);
        await client.StartAsync();
        await client.InvokeAsync<RunsSnapshot>("Subscribe", Guid.Parse(jobId), null);

        var runId = await fixture.StartImportAsync(jobId, mailboxId, PstUploads.PstPath("Outlook_1.pst"));
        await recorder.WaitForStatusAsync(runId, RunStatus.Succeeded, TimeSpan.FromSeconds(60));

        var lines = recorder.Lines(runId);
        output.WriteLine(string.Join("\n", lines.Select(l => l.Text)));
        Assert.Equal(Enumerable.Range(1, lines.Count).Select(i => (long)i), lines.Select(l => l.Seq));
        Assert.Contains(lines, l => l.Mailbox == "ana@old.example.com" && l.Text.Contains("readpst: Processing Folder \"Inbox\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Text.Contains("readpst: \t\"Inbox\" - 9 items done, 2 items skipped.", StringComparison.Ordinal)
            || l.Text.Contains("\"Inbox\" - 9 items done, 2 items skipped.", StringComparison.Ordinal));
        Assert.EndsWith("14 appended, 0 already there, 0 quarantined.", lines[^1].Text, StringComparison.Ordinal);
        Assert.Contains(recorder.Statuses, s => s.Message.RunId == runId && s.Message.Status == RunStatus.Running);
        var figures = recorder.Updates.Where(u => u.Message.RunId == runId).SelectMany(u => u.Message.Progress).ToList();
        Assert.Contains(figures, p => p.Mailbox == "ana@old.example.com" && p.Done == 14);
        Assert.Equal(8, await fixture.Dovecot.CountMessagesAsync(user, "INBOX"));

        // The same log through the API, and the per-mailbox row like a sync's.
        var run = await api.GetFromJsonAsync<JsonElement>($"/api/migration/runs/{runId}");
        Assert.Equal("Succeeded", run.GetProperty("mailboxes")[0].GetProperty("status").GetString());
        Assert.Contains("readpst: Processing Folder", await LogAsync(runId), StringComparison.Ordinal);
    }

    private async Task<(TimeSpan Elapsed, string? Status)> CancelAsync(Guid runId)
    {
        var sw = Stopwatch.StartNew();
        using var response = await fixture.Api.PostAsync($"/api/migration/runs/{runId}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string? status;
        while ((status = (await fixture.Api.GetFromJsonAsync<JsonElement>($"/api/migration/runs/{runId}")).GetProperty("status").GetString()) != "Cancelled"
               && sw.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(50);
        }

        return (sw.Elapsed, status);
    }

    private async Task<JsonElement> WaitForEndAsync(Guid runId, TimeSpan timeout)
    {
        JsonElement run = default;
        await WaitAsync(async () =>
        {
            run = await fixture.Api.GetFromJsonAsync<JsonElement>($"/api/migration/runs/{runId}");
            return run.GetProperty("status").GetString() is not ("Queued" or "Running" or "Resuming");
        }, timeout, "the import did not end");
        return run;
    }

    private async Task<(int Appended, int Skipped)> ReportAsync(Guid runId)
    {
        var report = await fixture.Api.GetFromJsonAsync<JsonElement>($"/api/migration/runs/{runId}/pst");
        if (report.GetProperty("statistics").ValueKind != JsonValueKind.Object)
        {
            return (0, 0);
        }

        var folders = report.GetProperty("statistics").GetProperty("folders").EnumerateArray().ToList();
        return (folders.Sum(f => f.GetProperty("appended").GetInt32()), folders.Sum(f => f.GetProperty("skipped").GetInt32()));
    }

    private async Task<string> LogAsync(Guid runId)
    {
        using var response = await fixture.Api.GetAsync($"/api/migration/runs/{runId}/log");
        return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : "";
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string message)
    {
        var sw = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(sw.Elapsed < timeout, message);
            await Task.Delay(50);
        }
    }

    /// <summary>Processes started from the readpst stand-in (the shell, its sleep, or the real readpst it became).</summary>
    private List<string> StandInProcesses()
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(fixture.ReadpstStandIn, StringComparison.Ordinal) || (cmdline.StartsWith("sleep 60", StringComparison.Ordinal) && ParentIsStandIn(dir)))
                {
                    found.Add($"{Path.GetFileName(dir)}: {cmdline}");
                }
            }
            catch (IOException)
            {
                // The process ended while it was read.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    private bool ParentIsStandIn(string procDir)
    {
        var stat = File.ReadAllText(Path.Combine(procDir, "stat"));
        var ppid = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1];
        var parent = Path.Combine("/proc", ppid, "cmdline");
        return File.Exists(parent) && File.ReadAllText(parent).Contains(fixture.ReadpstStandIn, StringComparison.Ordinal);
    }

    private async Task<int> DistinctMessageIdsAsync(string user, string folder)
    {
        using var client = await fixture.Dovecot.ConnectAsync(user, "Dest-Pa55!");
        var box = await client.GetFolderAsync(folder);
        await box.OpenAsync(FolderAccess.ReadOnly);
        var summaries = await box.FetchAsync(0, -1, new FetchRequest(MessageSummaryItems.Envelope));
        return summaries.Select(s => s.Envelope?.MessageId ?? "").Distinct(StringComparer.Ordinal).Count();
    }

    /// <summary>An mbox of small, distinct messages (Message-Id and subject per message).</summary>
    private static void WriteMbox(string path, int count)
    {
        using var stream = new StreamWriter(File.Create(path), new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        for (var i = 0; i < count; i++)
        {
            var message = TestMessages.Create($"bulk message {i}");
            using var body = new MemoryStream();
            message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Unix }, body);
            stream.WriteLine("From ana@example.com Fri Mar 15 10:30:00 2024");
            var text = Encoding.UTF8.GetString(body.ToArray()).Replace("\nFrom ", "\n>From ", StringComparison.Ordinal);
            stream.Write(text.EndsWith('\n') ? text : text + "\n");
            stream.WriteLine();
        }
    }
}
