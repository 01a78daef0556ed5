using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Realtime;
using Ligbox.Console.Tests.Browser;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Console.Tests.Realtime;
using Ligbox.Core.Accounts;
using Ligbox.Core.Runs;
using Ligbox.Testing.Dovecot;
using Ligbox.Testing.PostgreSql;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;
using static Ligbox.Console.Tests.Nodes.NodeTestSupport;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Nodes;

/// <summary>
/// Live progress across nodes (issue 17): a run executed by a worker process (the real console, out of process, role
/// worker) is watched live on a web node (in process on Kestrel, role web) on one real PostgreSQL, against real Dovecot
/// source and destination: a SignalR client of the web node's <c>/hubs/runs</c> receives the run's figures and log lines
/// while it runs and its final status, and the web node's job page shows the live progress table.
/// </summary>
[Collection(PostgreSqlNodesCollection.Name)]
public sealed class LiveProgressAcrossNodesTests(PostgreSqlServer pg, ITestOutputHelper output) : IClassFixture<PostgreSqlServer>, IAsyncLifetime
{
    private const int Messages = 1500;
    private readonly DovecotServer _source = new();
    private readonly DovecotServer _destination = new();
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "ligbox-tests", "live-" + Guid.NewGuid().ToString("N")[..8]);
    private OutOfProcessConsole? _worker;
    private WebNodeBrowser? _browser;

    public Task InitializeAsync() => Task.WhenAll(_source.StartAsync(), _destination.StartAsync());

    public async Task DisposeAsync()
    {
        try
        {
            _worker?.Dispose();
            if (_browser is not null)
            {
                // Stops the browser and the web node.
                await _browser.DisposeAsync();
            }
        }
        finally
        {
            // Also when stopping a node throws: no Dovecot is left running.
            _source.Dispose();
            _destination.Dispose();
            NodeTestSupport.DeleteDataDir(_dataDir);
        }
    }

    [Fact]
    public async Task ARunExecutedByAWorker_IsWatchedLiveOnTheWebNode_ThroughTheHubAndTheJobPage()
    {
        var cs = await pg.CreateDatabaseAsync();
        var web = new KestrelWebNode(_dataDir, NodeSettings(cs, "web-1", "web", new Dictionary<string, string?> { ["Ligbox:Node:HeartbeatTimeout"] = "00:00:20" }));
        _browser = new WebNodeBrowser(web);
        await _browser.InitializeAsync();
        using var api = web.CreateBearerClient(await web.CreateTokenAsync(Scopes.JobsRead, Scopes.JobsWrite));
        var jobId = await CreateJobAsync(api, _source, _destination, "live-nodes.example");
        var (user, sourcePassword, destinationPassword) = NewPair(_source, _destination);
        await SeedAsync(_source, user, "INBOX", Messages, "live node");
        await AddMailboxAsync(api, jobId, user, sourcePassword, user, destinationPassword);

        // The worker: capped at 300 msg/s in batches of 50, so the run lasts about five seconds with frequent figures.
        _worker = OutOfProcessConsole.Start(_dataDir, output, NodeSettings(cs, "worker-1", "worker", new Dictionary<string, string?>
        {
            ["Ligbox:Node:HeartbeatTimeout"] = "00:00:20",
            ["Tools:NativeImap:MaxMessagesPerSecond"] = "300",
            ["Tools:NativeImap:BatchSize"] = "50",
        }));
        await _worker.WaitUntilListeningAsync();

        // A hub client and a technician's job page, both on the web node.
        await using var hub = RealtimeTestSupport.Bearer(web.ServerAddress, await web.CreateTokenAsync(Scopes.JobsRead));
        var recorder = new HubRecorder(hub);
        await hub.StartAsync();
        var snapshot = await hub.InvokeAsync<RunsSnapshot>("Subscribe", jobId, null);
        await web.CreateUserAsync("tech.nodes@ligbox.test", Roles.Technician);
        var page = await _browser.SignInAsync("tech.nodes@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");

        var runId = await StartAsync(api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" });

        // The page shows the worker's run live: its row appears and its figures grow while it runs.
        var row = page.Locator($"[data-testid=mailbox-progress][data-mailbox='{user}']");
        await Expect(row).ToBeVisibleAsync(new() { Timeout = 60_000 });
        var before = await row.GetAttributeAsync("data-done");
        await Expect(row).Not.ToHaveAttributeAsync("data-done", before!, new() { Timeout = 15_000 });
        Assert.Equal("Running", await page.GetByTestId("run-status").First.GetAttributeAsync("data-status"));
        await BrowserSession.ScreenshotAsync(page, "nodes-live-progress-on-web-node");

        await recorder.WaitForStatusAsync(runId, RunStatus.Succeeded, TimeSpan.FromSeconds(120));
        var run = await api.GetFromJsonAsync<JsonElement>($"/api/migration/runs/{runId}");
        Assert.Equal("worker-1", run.GetProperty("nodeId").GetString());
        Assert.Equal(Messages, await _destination.CountMessagesAsync(user, "INBOX"));

        // The hub client: the worker's statuses, and live figures before the end, part-way through the mailbox.
        var statuses = recorder.Statuses.Where(s => s.Message.RunId == runId).ToList();
        var end = statuses.First(s => s.Message.Status == RunStatus.Succeeded).At;
        Assert.Contains(statuses, s => s.Message.Status == RunStatus.Running && s.At <= end);
        var live = recorder.Updates.Where(u => u.Message.RunId == runId && u.At < end)
            .SelectMany(u => u.Message.Progress).Where(p => p.Mailbox == user).Select(p => p.Done).Distinct().ToList();
        output.WriteLine($"{statuses.Count} statuses, {recorder.Updates.Count} updates; live figures seen: {string.Join(", ", live)}");
        Assert.True(live.Count(d => d is > 0 and < Messages) >= 2, $"live figures part-way: {string.Join(", ", live)}");
        Assert.Contains(Messages, live);

        // Its log lines, in order, all before the final status, the same as the run's log file.
        var lines = recorder.Lines(runId, snapshot.RunId == runId ? snapshot.Lines : null);
        Assert.Contains(lines, l => l.Text.Contains("Starting initial", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Text.Contains($"[{user}] Mailbox done: {Messages}/{Messages}", StringComparison.Ordinal));
        Assert.All(recorder.Updates.Where(u => u.Message.RunId == runId && u.Message.Lines.Count > 0), u => Assert.True(u.At <= end, "a line after the final status"));
        Assert.Equal(Enumerable.Range(1, lines.Count).Select(i => (long)i), lines.Select(l => l.Seq));
        var log = (await api.GetStringAsync($"/api/migration/runs/{runId}/log")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(log.Select(l => l.TrimEnd('\r')), lines.Select(l => l.Text));

        // And the page ends with the run's status.
        await Expect(page.GetByTestId("run-status").First).ToHaveAttributeAsync("data-status", "Succeeded", new() { Timeout = 30_000 });
    }

    /// <summary>Chromium on the web node (a fixture's browser session, started by the test once the database exists).</summary>
    private sealed class WebNodeBrowser(LigboxKestrelAppFactory web) : BrowserSession(web);
}
