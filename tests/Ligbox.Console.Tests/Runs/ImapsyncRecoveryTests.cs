using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Imapsync;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;

namespace Ligbox.Console.Tests.Runs;

/// <summary>An imapsync pass interrupted by the console stopping is run again by the next console.</summary>
public sealed class ImapsyncRecoveryTests : IDisposable
{
    private readonly FakeImapsync _imapsync = new();
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "ligbox-tests", "imapsync-restart-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        _imapsync.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned with the temp directory eventually.
        }
    }

    [Fact]
    public async Task InterruptedImapsyncPass_IsRunAgainAfterARestart_AndCompletes()
    {
        // ~40 s if left alone: the console is stopped long before that.
        _imapsync.Replay("full-sync.log", delay: 0.05);
        Guid runId;
        string token;
        string firstLog;
        var first = new Host(_dataDir, _imapsync.ExecutablePath);
        await first.InitializeAsync();
        try
        {
            token = await first.CreateTokenAsync(Scopes.JobsRead, Scopes.JobsWrite);
            using var api = first.CreateBearerClient(token);
            var jobId = await ImapsyncRunsApiTests.CreateImapsyncJobAsync(api);
            await AddMailboxAsync(api, jobId, "ana@example.com", "Src-Restart-Secret", "ana@example.com", "Dst-Restart-Secret");
            runId = await StartAsync(api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" });
            firstLog = "";
            for (var i = 0; i < 300 && !firstLog.Contains("msg INBOX/", StringComparison.Ordinal); i++)
            {
                await Task.Delay(100);
                using var response = await api.GetAsync($"/api/migration/runs/{runId}/log");
                firstLog = response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : "";
            }

            Assert.Contains("msg INBOX/", firstLog, StringComparison.Ordinal);
        }
        finally
        {
            await ((IAsyncLifetime)first).DisposeAsync();
        }

        _imapsync.Replay("full-sync.log");
        var second = new Host(_dataDir, _imapsync.ExecutablePath);
        await second.InitializeAsync();
        try
        {
            using var api = second.CreateBearerClient(token);
            JsonElement run;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            do
            {
                await Task.Delay(200);
                run = await api.GetFromJsonAsync<JsonElement>($"/api/migration/runs/{runId}");
                Assert.True(DateTime.UtcNow < deadline, $"the run was not resumed: {run}");
            }
            while (run.GetProperty("status").GetString() is "Queued" or "Running" or "Resuming");

            Assert.True(run.GetProperty("status").GetString() == "Succeeded", run.ToString());
            Assert.Equal(500, run.GetProperty("mailboxes")[0].GetProperty("result").GetProperty("messagesTransferred").GetInt32());
            var log = await api.GetStringAsync($"/api/migration/runs/{runId}/log");
            Assert.Contains("The console is stopping: the run is interrupted", log, StringComparison.Ordinal);
            Assert.Contains("Resuming initial", log, StringComparison.Ordinal);
            // Two imapsync processes: the interrupted one and the re-run; the first one's passfiles are gone.
            var argvs = ImapsyncRunsApiTests.FakeArgvs(log);
            Assert.Equal(2, argvs.Count);
            Assert.All(argvs, argv => Assert.False(File.Exists(argv[Array.IndexOf(argv, "--passfile1") + 1])));
            ImapsyncRunsApiTests.AssertNoSecret(log, "Src-Restart-Secret", "Dst-Restart-Secret");
        }
        finally
        {
            await ((IAsyncLifetime)second).DisposeAsync();
        }
    }

    /// <summary>The app on a data directory that outlives the host, with the fake imapsync.</summary>
    private sealed class Host(string dataDir, string imapsyncPath) : LigboxAppFactory(dataDir)
    {
        protected override IDictionary<string, string?> Settings
        {
            get
            {
                var settings = base.Settings;
                settings["Tools:Imapsync:ImapsyncPath"] = imapsyncPath;
                return settings;
            }
        }
    }
}
