using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Dovecot;
using Ligbox.Testing.PostgreSql;
using MailKit;
using Npgsql;
using Xunit.Abstractions;
using static Ligbox.Console.Tests.Nodes.NodeTestSupport;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;

namespace Ligbox.Console.Tests.Nodes;

/// <summary>
/// Scale-out on one real PostgreSQL (issue 17): a web node (in process, role web: it queues, never runs) and two worker
/// processes (the real console, out of process, role worker) on one database and one shared data directory, against
/// real Dovecot source and destination servers. The runs spread over both workers and each is executed once; a worker
/// killed with SIGKILL mid-run has its runs taken over by the other after the heartbeat timeout, and every mailbox ends
/// with exactly its messages on the destination.
/// </summary>
[Collection(PostgreSqlNodesCollection.Name)]
public sealed class MultiNodeOnPostgreSqlTests(PostgreSqlServer pg, ITestOutputHelper output) : IClassFixture<PostgreSqlServer>, IAsyncLifetime
{
    private const int Mailboxes = 10;
    private const int MessagesPerMailbox = 400;
    private readonly DovecotServer _source = new();
    private readonly DovecotServer _destination = new();
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "ligbox-tests", "nodes-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<OutOfProcessConsole> _workers = [];
    private WebNode? _web;

    public Task InitializeAsync() => Task.WhenAll(_source.StartAsync(), _destination.StartAsync());

    public async Task DisposeAsync()
    {
        try
        {
            foreach (var worker in _workers)
            {
                worker.Dispose();
            }

            if (_web is not null)
            {
                await ((IAsyncLifetime)_web).DisposeAsync();
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
    public async Task TwoWorkers_ShareTheRuns_AndAWorkerKilledMidRun_HasItsRunsFinishedByTheOther_WithoutDuplicates()
    {
        var cs = await pg.CreateDatabaseAsync();
        _web = new WebNode(_dataDir, NodeSettings(cs, "web-1", "web"));
        await _web.InitializeAsync();
        var token = await _web.CreateTokenAsync(Scopes.JobsRead, Scopes.JobsWrite);
        using var api = _web.CreateBearerClient(token);

        // One job, ten mailboxes, each seeded on the source.
        var jobId = await CreateJobAsync(api, _source, _destination);
        var users = new Dictionary<Guid, (string User, string DestinationPassword)>();
        for (var i = 0; i < Mailboxes; i++)
        {
            var (user, sourcePassword, destinationPassword) = NewPair(_source, _destination);
            await SeedAsync(_source, user, "INBOX", MessagesPerMailbox, $"node test {i}");
            users[await AddMailboxAsync(api, jobId, user, sourcePassword, user, destinationPassword)] = (user, destinationPassword);
        }

        // Two workers: the real console, out of process, on the same database and data directory.
        foreach (var id in new[] { "worker-1", "worker-2" })
        {
            // The engine's own throttle makes each run last several seconds (400 messages at 100/s), so the kill lands
            // mid-run on a fast machine too: unthrottled, a run could copy its whole mailbox between the look and the kill.
            _workers.Add(OutOfProcessConsole.Start(_dataDir, output, NodeSettings(cs, id, "worker",
                new Dictionary<string, string?> { ["Tools:NativeImap:MaxMessagesPerSecond"] = "100" })));
        }

        await Task.WhenAll(_workers.Select(w => w.WaitUntilListeningAsync()));
        using (var worker = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_workers[0].Port}") })
        {
            // A worker serves no UI and no API.
            Assert.Equal(HttpStatusCode.NotFound, (await worker.GetAsync("/api/migration/jobs")).StatusCode);
        }

        // Ten single-mailbox initial runs, queued by the web node.
        var runs = new Dictionary<Guid, Guid>();
        foreach (var mailboxId in users.Keys)
        {
            runs[await StartAsync(api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial", mailboxes = new[] { mailboxId } })] = mailboxId;
        }

        // Both workers run at once; then worker-1 is killed with SIGKILL while a run of it has copied part of its mailbox.
        var sw = Stopwatch.StartNew();
        var spread = new HashSet<string>();
        Guid? victim = null;
        while (victim is null)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(240), $"no run of worker-1 was caught mid-way; nodes seen running: {string.Join(", ", spread)}");
            foreach (var (runId, mailboxId) in runs)
            {
                var run = await api.GetFromJsonAsync<JsonElement>($"/api/migration/runs/{runId}");
                if (run.GetProperty("status").GetString() != "Running" || run.GetProperty("nodeId").GetString() is not { } node)
                {
                    continue;
                }

                spread.Add(node);
                if (node == "worker-1" && spread.Contains("worker-2") && await CountAsync(users[mailboxId].User) is > 0 and < MessagesPerMailbox)
                {
                    victim = runId;
                    break;
                }
            }

            await Task.Delay(100);
        }

        await _workers[0].KillAsync();
        var atKill = await CountAsync(users[runs[victim.Value]].User);
        output.WriteLine($"killed worker-1 after {sw.Elapsed.TotalSeconds:N1} s with {atKill} of {MessagesPerMailbox} messages of its run {victim} copied");
        Assert.True(atKill < MessagesPerMailbox, $"the run had copied all {MessagesPerMailbox} messages before the kill: raise {nameof(MessagesPerMailbox)}.");
        Assert.Equal(new[] { "worker-1", "worker-2" }, spread.Order(StringComparer.Ordinal));

        // Every run ends: worker-2 takes over worker-1's runs once its heartbeat is older than the timeout.
        var ended = new Dictionary<Guid, JsonElement>();
        foreach (var runId in runs.Keys)
        {
            ended[runId] = await WaitForRunAsync(api, runId, TimeSpan.FromSeconds(300));
        }

        output.WriteLine($"all runs ended after {sw.Elapsed.TotalSeconds:N1} s");
        var firstStarts = ended.Values.Where(r => r.GetProperty("trigger").GetString() != "Recovery")
            .Select(r => r.GetProperty("startedAtUtc").GetDateTime() - r.GetProperty("queuedAtUtc").GetDateTime()).Order().ToList();
        output.WriteLine($"queued → started (pick-up by a worker, then waiting for a free slot): {string.Join(", ", firstStarts.Select(t => $"{t.TotalSeconds:N1} s"))}");
        foreach (var (runId, run) in ended)
        {
            Assert.True(run.GetProperty("status").GetString() == "Succeeded", run.ToString());
            var log = await api.GetStringAsync($"/api/migration/runs/{runId}/log");
            var starts = CountLines(log, "Starting initial");
            var resumes = CountLines(log, "Resuming initial");
            output.WriteLine($"run {runId}: node {run.GetProperty("nodeId")}, trigger {run.GetProperty("trigger")}, {starts} start(s), {resumes} resume(s)");
            Assert.Equal(1, starts); // no run was started twice
            if (run.GetProperty("trigger").GetString() == "Recovery")
            {
                // A run worker-1 held: finished by worker-2, resumed once.
                Assert.Equal("worker-2", run.GetProperty("nodeId").GetString());
                Assert.Equal(1, resumes);
            }
            else
            {
                Assert.Equal(0, resumes);
            }
        }

        var victimRun = ended[victim.Value];
        Assert.Equal("Recovery", victimRun.GetProperty("trigger").GetString());
        Assert.Equal("worker-2", victimRun.GetProperty("nodeId").GetString());

        // The destination is exact: every message of every mailbox once.
        foreach (var (user, destinationPassword) in users.Values)
        {
            Assert.Equal(MessagesPerMailbox, await CountAsync(user));
            Assert.Equal(MessagesPerMailbox, await DistinctMessageIdsAsync(user, destinationPassword));
        }

        // The take-over is in the audit trail, once per run taken over, saying from which node.
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM \"AuditEntries\" WHERE \"Action\" = 'run.resumed' AND \"EntityId\" = @id AND \"Details\" LIKE '%worker-1%'", connection);
        cmd.Parameters.AddWithValue("id", victim.Value.ToString());
        Assert.Equal(1L, (long)(await cmd.ExecuteScalarAsync())!);
    }

    private static int CountLines(string log, string text) =>
        log.Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal));

    private async Task<int> CountAsync(string user)
    {
        try
        {
            return await _destination.CountMessagesAsync(user, "INBOX");
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("doesn't exist", StringComparison.Ordinal))
        {
            return 0;
        }
    }

    private async Task<int> DistinctMessageIdsAsync(string user, string password)
    {
        using var client = await _destination.ConnectAsync(user, password);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var summaries = await client.Inbox.FetchAsync(0, -1, new FetchRequest(MessageSummaryItems.Envelope));
        return summaries.Select(s => s.Envelope?.MessageId ?? "").Distinct(StringComparer.Ordinal).Count();
    }
}
