using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Dovecot;
using Xunit.Abstractions;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;

namespace Ligbox.Console.Tests.Runs;

/// <summary>A run survives the console stopping in the middle: the next host resumes it without duplicates.</summary>
public sealed class RunRecoveryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Messages = 6000;
    private readonly DovecotServer _source = new();
    private readonly DovecotServer _destination = new();
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "ligbox-tests", "restart-" + Guid.NewGuid().ToString("N")[..8]);

    public async Task InitializeAsync() => await Task.WhenAll(_source.StartAsync(), _destination.StartAsync());

    public Task DisposeAsync()
    {
        _source.Dispose();
        _destination.Dispose();
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
    public async Task RunInterruptedByRestart_IsResumed_AndCompletesWithoutDuplicates()
    {
        var (user, sp, dp) = NewPair(_source, _destination);
        await SeedAsync(_source, user, "INBOX", Messages);

        Guid runId;
        string token;
        int copiedBeforeStop;
        var first = LigboxAppFactory.OnSharedDataDir(_dataDir);
        await first.InitializeAsync();
        try
        {
            token = await first.CreateTokenAsync(Scopes.JobsRead, Scopes.JobsWrite);
            using var api = Client(first, token);
            var jobId = await CreateJobAsync(api, _source, _destination);
            await AddMailboxAsync(api, jobId, user, sp, user, dp);
            runId = await StartAsync(api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" });

            // Stop the console once a good part, but not all, has been copied.
            var sw = Stopwatch.StartNew();
            while ((copiedBeforeStop = await _destination.CountMessagesAsync(user, "INBOX")) < 800)
            {
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), "the run did not start copying");
                await Task.Delay(50);
            }
        }
        finally
        {
            await ((IAsyncLifetime)first).DisposeAsync();
        }

        var atStop = await _destination.CountMessagesAsync(user, "INBOX");
        output.WriteLine($"copied when the stop was asked: {copiedBeforeStop}; when the host was gone: {atStop}");
        Assert.True(atStop < Messages, $"the run finished before the host stopped ({atStop}); nothing was interrupted");

        var second = LigboxAppFactory.OnSharedDataDir(_dataDir);
        await second.InitializeAsync();
        try
        {
            using var api = Client(second, token);
            var interrupted = await api.GetFromJsonAsync<JsonElement>($"/api/migration/runs/{runId}");
            output.WriteLine($"after restart: {interrupted.GetProperty("status")}");
            var sw = Stopwatch.StartNew();
            JsonElement run;
            do
            {
                await Task.Delay(200);
                run = await api.GetFromJsonAsync<JsonElement>($"/api/migration/runs/{runId}");
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(120), $"the run was not resumed: {run}");
            }
            while (run.GetProperty("status").GetString() is "Queued" or "Running" or "Resuming");

            output.WriteLine($"resumed run ended {run.GetProperty("status")} after {sw.Elapsed.TotalSeconds:F1} s: {run.GetProperty("message")}");
            Assert.True(run.GetProperty("status").GetString() == "Succeeded", run.ToString());
            Assert.Equal("Recovery", run.GetProperty("trigger").GetString());
            Assert.Equal(Messages, await _destination.CountMessagesAsync(user, "INBOX"));
            Assert.Equal(Messages, await DistinctMessageIdsAsync(user, dp));

            var log = await api.GetStringAsync($"/api/migration/runs/{runId}/log");
            Assert.Contains("Resuming", log, StringComparison.Ordinal);
            Assert.DoesNotContain(sp, log, StringComparison.Ordinal);
        }
        finally
        {
            await ((IAsyncLifetime)second).DisposeAsync();
        }
    }

    private async Task<int> DistinctMessageIdsAsync(string user, string password)
    {
        using var client = await _destination.ConnectAsync(user, password);
        await client.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly);
        var summaries = await client.Inbox.FetchAsync(0, -1, new MailKit.FetchRequest(MailKit.MessageSummaryItems.Envelope));
        return summaries.Select(s => s.Envelope?.MessageId ?? "").Distinct(StringComparer.Ordinal).Count();
    }

    private static HttpClient Client(LigboxAppFactory factory, string token) => factory.CreateBearerClient(token);
}
