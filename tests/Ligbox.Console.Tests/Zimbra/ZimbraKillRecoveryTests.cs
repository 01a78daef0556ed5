using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Console.Tests.Pst;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Dovecot;
using Ligbox.Testing.Zimbra;
using MailKit;
using Xunit.Abstractions;

namespace Ligbox.Console.Tests.Zimbra;

/// <summary>
/// kill -9 of the console in the middle of a Zimbra TGZ import (the out-of-process pattern of the PST
/// ImportKillRecoveryTests): the real console runs out of process and is killed with SIGKILL; the next console on
/// the same data resumes the TGZ run (status Resuming, trigger Recovery), reads the export again and ends with
/// every message imported exactly once.
/// </summary>
public sealed class ZimbraKillRecoveryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Messages = 20_000;
    private const string Folder = "INBOX";
    private readonly DovecotServer _dovecot = new();
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "ligbox-tests", "kill-" + Guid.NewGuid().ToString("N")[..8]);
    private OutOfProcessConsole? _console;

    public Task InitializeAsync() => _dovecot.StartAsync();

    public Task DisposeAsync()
    {
        _console?.Dispose();
        _dovecot.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned with the temp directory eventually.
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_TGZ_import_killed_with_sigkill_is_resumed_by_recovery_with_exact_counts_and_no_duplicates()
    {
        var mbox = Path.Combine(Path.GetTempPath(), "ligbox-tests", "kill-" + Guid.NewGuid().ToString("N")[..8] + ".tgz");
        Directory.CreateDirectory(Path.GetDirectoryName(mbox)!);
        ZimbraTgzGenerator.WriteFile(mbox, new ZimbraTgzSpec { Folders = [new("Inbox", Messages)], TruncatedMessage = 0, WithoutMessageId = 0, Contacts = 0, Appointments = 0, Tasks = 0, Documents = 0 });
        string token, jobId, mailboxId, user, uploadId;

        // 1. An in-process console prepares the job, the mailbox and the upload, then stops.
        var first = LigboxAppFactory.OnSharedDataDir(_dataDir);
        await first.InitializeAsync();
        try
        {
            token = await first.CreateTokenAsync(Scopes.JobsRead, Scopes.JobsWrite);
            using var api = first.CreateBearerClient(token);
            (jobId, mailboxId, user) = await PstUploads.CreateJobWithMailboxAsync(api, _dovecot, "killtgz");
            uploadId = await PstUploads.TusUploadAsync(api, await File.ReadAllBytesAsync(mbox), "killed.tgz");
        }
        finally
        {
            await ((IAsyncLifetime)first).DisposeAsync();
            File.Delete(mbox);
        }

        // 2. The real console, out of process, starts the import and is killed with SIGKILL half-way.
        Guid runId;
        int atKill;
        _console = OutOfProcessConsole.Start(_dataDir, output);
        using (var api = await _console.ApiAsync(token))
        {
            using var start = await api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes/{mailboxId}/import", new { uploadId });
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
            runId = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
            var sw = Stopwatch.StartNew();
            while (await CountAsync(user) < 3000)
            {
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(120), "the import did not start appending");
                Assert.False(_console.Process.HasExited, "the console exited by itself");
                await Task.Delay(50);
            }

            await _console.KillAsync(); // SIGKILL: no shutdown, no chance to mark the run
            atKill = await CountAsync(user);
            output.WriteLine($"killed with {atKill} of {Messages} appended");
            Assert.InRange(atKill, 1, Messages - 1);
        }

        // 3. The next console resumes it: waiting to resume, triggered by recovery, then done exactly once.
        var second = LigboxAppFactory.OnSharedDataDir(_dataDir);
        await second.InitializeAsync();
        try
        {
            using var api = second.CreateBearerClient(token);
            var seen = new List<string>();
            var sw = Stopwatch.StartNew();
            JsonElement run;
            string status;
            do
            {
                run = await api.GetFromJsonAsync<JsonElement>($"/api/migration/runs/{runId}");
                status = run.GetProperty("status").GetString()!;
                if (seen.Count == 0 || seen[^1] != status)
                {
                    seen.Add(status);
                }

                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(180), $"the run was not resumed: {run}");
                await Task.Delay(100);
            }
            while (status is "Queued" or "Running" or "Resuming");

            output.WriteLine($"after the restart: {string.Join(" → ", seen)} in {sw.Elapsed.TotalSeconds:N1} s: {run.GetProperty("message")}");
            Assert.True(status == "Succeeded", run.ToString());
            Assert.Equal("Recovery", run.GetProperty("trigger").GetString());
            Assert.Equal(Messages, await CountAsync(user));
            Assert.Equal(Messages, await DistinctMessageIdsAsync(user));
            var report = await api.GetFromJsonAsync<JsonElement>($"/api/migration/runs/{runId}/tgz");
            var folder = report.GetProperty("statistics").GetProperty("folders")[0];
            Assert.Equal(Messages, folder.GetProperty("appended").GetInt32() + folder.GetProperty("skipped").GetInt32());
            Assert.True(folder.GetProperty("skipped").GetInt32() >= atKill, report.ToString());
            Assert.Contains("Resuming tgz", await api.GetStringAsync($"/api/migration/runs/{runId}/log"), StringComparison.Ordinal);
        }
        finally
        {
            await ((IAsyncLifetime)second).DisposeAsync();
        }
    }

    private async Task<int> CountAsync(string user)
    {
        try
        {
            return await _dovecot.CountMessagesAsync(user, Folder);
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("doesn't exist", StringComparison.Ordinal))
        {
            return 0; // the import has not created the folder yet
        }
    }

    private async Task<int> DistinctMessageIdsAsync(string user)
    {
        using var client = await _dovecot.ConnectAsync(user, "Dest-Pa55!");
        var box = await client.GetFolderAsync(Folder);
        await box.OpenAsync(FolderAccess.ReadOnly);
        var summaries = await box.FetchAsync(0, -1, new FetchRequest(MessageSummaryItems.Envelope));
        return summaries.Select(s => s.Envelope?.MessageId ?? "").Distinct(StringComparer.Ordinal).Count();
    }
}
