using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Gate;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Core.Audit;
using Ligbox.Core.Desk;
using Ligbox.Core.Scheduling;
using Ligbox.Core.Webhooks;
using Ligbox.Testing.Dovecot;
using Ligbox.Testing.PostgreSql;
using Ligbox.Testing.Zimbra;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Quartz;
using Xunit.Abstractions;
using static Ligbox.Console.Tests.Nodes.NodeTestSupport;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;
using static Ligbox.Console.Tests.Scheduling.ScheduleTestSupport;

namespace Ligbox.Console.Tests.Nodes;

/// <summary>
/// What must happen once however many nodes run (issue 17), on one real PostgreSQL with a web node (in process, role
/// web) and two worker processes (the real console, out of process, role worker): a scheduled delta sync makes one pass
/// per firing of its trigger, and every webhook event and helpdesk attachment reaches its receiver once per attempt,
/// with the retries of a failing receiver not doubled, although the three nodes' delivery senders all poll the same rows;
/// a PST or a Zimbra export uploaded through the web node is imported once by a worker from the shared data directory.
/// </summary>
[Collection(PostgreSqlNodesCollection.Name)]
public sealed class OncePerClusterTests(OncePerClusterTests.Cluster cluster, ITestOutputHelper output) : IClassFixture<OncePerClusterTests.Cluster>
{
    /// <summary>The receiver fails this many first attempts of each delivery, then accepts.</summary>
    private const int FailuresFirst = 2;

    /// <summary>The nodes and servers, started once for the class.</summary>
    public sealed class Cluster : IAsyncLifetime
    {
        private readonly PostgreSqlServer _pg = new();
        private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "ligbox-tests", "once-" + Guid.NewGuid().ToString("N")[..8]);
        private readonly List<OutOfProcessConsole> _workers = [];
        private readonly Dictionary<string, WorkerOutput> _outputs = [];

        public DovecotServer Source { get; } = new();

        public DovecotServer Destination { get; } = new();

        internal WebNode Web { get; private set; } = null!;

        public HttpClient Api { get; private set; } = null!;

        public string ConnectionString { get; private set; } = "";

        /// <summary>Where the worker processes write their output (the test that is running, if any).</summary>
        public ITestOutputHelper? Output
        {
            set
            {
                foreach (var o in _outputs.Values)
                {
                    o.Inner = value;
                }
            }
        }

        /// <summary>The lines a worker process has written so far.</summary>
        public IReadOnlyList<string> LinesOf(string worker) => [.. _outputs[worker].Lines];

        public async Task InitializeAsync()
        {
            await Task.WhenAll(_pg.StartAsync(), Source.StartAsync(), Destination.StartAsync());
            ConnectionString = await _pg.CreateDatabaseAsync();
            // Every node sends deliveries and polls for them often, with short retry delays, so the senders contend for the same rows.
            var shared = new Dictionary<string, string?>
            {
                ["Ligbox:Webhooks:PollInterval"] = "00:00:00.100",
                ["Ligbox:Webhooks:BaseDelay"] = "00:00:00.300",
                ["Ligbox:Webhooks:MaxDelay"] = "00:00:01",
                ["Ligbox:Desk:PollInterval"] = "00:00:00.100",
                ["Ligbox:Desk:BaseDelay"] = "00:00:00.300",
                ["Ligbox:Desk:MaxDelay"] = "00:00:01",
                // Passes a few seconds apart (the default floor is 15 min).
                ["Ligbox:Schedules:MinInterval"] = "00:00:01",
                ["Ligbox:Node:HeartbeatTimeout"] = "00:00:20",
            };
            Web = new WebNode(_dataDir, NodeSettings(ConnectionString, "web-1", "web", shared));
            await Web.InitializeAsync();
            Api = Web.CreateBearerClient(await Web.CreateTokenAsync(Scopes.JobsRead, Scopes.JobsWrite));
            foreach (var id in new[] { "worker-1", "worker-2" })
            {
                _outputs[id] = new WorkerOutput();
                _workers.Add(OutOfProcessConsole.Start(_dataDir, _outputs[id], NodeSettings(ConnectionString, id, "worker", shared)));
            }

            await Task.WhenAll(_workers.Select(w => w.WaitUntilListeningAsync()));
        }

        public async Task DisposeAsync()
        {
            try
            {
                foreach (var worker in _workers)
                {
                    worker.Dispose();
                }

                Api?.Dispose();
                if (Web is not null)
                {
                    await ((IAsyncLifetime)Web).DisposeAsync();
                }
            }
            finally
            {
                // Also when stopping a node throws: no Dovecot or PostgreSQL is left running.
                Source.Dispose();
                Destination.Dispose();
                _pg.Dispose();
                NodeTestSupport.DeleteDataDir(_dataDir);
            }
        }
    }

    [Fact]
    public async Task AScheduledDelta_MakesOnePassPerFiring_OnTwoWorkers()
    {
        cluster.Output = output;
        var sw = Stopwatch.StartNew();
        var api = cluster.Api;
        var (user, sourcePassword, destinationPassword) = NewPair(cluster.Source, cluster.Destination);
        await SeedAsync(cluster.Source, user, "INBOX", 5, "once");
        var jobId = await CreateJobAsync(api, cluster.Source, cluster.Destination);
        await AddMailboxAsync(api, jobId, user, sourcePassword, user, destinationPassword);
        var initial = await WaitForRunAsync(api, await StartAsync(api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" }), TimeSpan.FromSeconds(120));
        Assert.True(initial.GetProperty("status").GetString() == "Succeeded", initial.ToString());

        // Every three seconds, set through the web node; the workers' schedulers fire it.
        const int Period = 3;
        await PutScheduleAsync(api, jobId, new { enabled = true, cron = $"0/{Period} * * * * ?" });
        await WaitForPassesAsync(jobId, p => p.Count >= 1, TimeSpan.FromSeconds(60));

        // A node starting meanwhile reconciles the store's triggers (here the web node's reconciler, run again twice):
        // it keeps the one trigger as it is, with its next fire time, and adds none.
        var before = await StoredTriggerAsync(cluster.Web.Services, jobId);
        var reconciler = cluster.Web.Services.GetServices<IHostedService>().Single(h => h.GetType().Name == "DeltaScheduleReconciler");
        await Task.WhenAll(reconciler.StartAsync(CancellationToken.None), reconciler.StartAsync(CancellationToken.None));
        var after = await StoredTriggerAsync(cluster.Web.Services, jobId);
        Assert.NotNull(after);
        Assert.True(after.NextFireTimeUtc >= before!.NextFireTimeUtc, $"{before.NextFireTimeUtc:O} → {after.NextFireTimeUtc:O}");
        Assert.Equal(0, after.NextFireTimeUtc!.Value.Second % Period);
        Assert.Single(await ScheduleTriggerKeysAsync());

        var passes = await WaitForPassesAsync(jobId, p => p.Count >= 3 && p.Count(x => x.Action == "schedule.started") >= 2, TimeSpan.FromSeconds(90));
        await PutScheduleAsync(api, jobId, new { enabled = false });

        // A pass that was firing when the schedule was turned off still ends: wait until no schedule job is executing, then for the runs.
        await WaitUntilAsync(async () => await ExecutingScheduleFiringsAsync() == 0, TimeSpan.FromSeconds(30), "a scheduled pass still executing");
        foreach (var run in (await RunsAsync(api, jobId)).Where(r => r.GetProperty("status").GetString() is "Queued" or "Running" or "Resuming"))
        {
            await WaitForRunAsync(api, run.GetProperty("id").GetGuid(), TimeSpan.FromSeconds(120));
        }

        passes = await PassesAsync(jobId);
        foreach (var pass in passes)
        {
            output.WriteLine($"pass for {pass.FiredFor:HH:mm:ss.fff} on {pass.Node}: {pass.Action} {pass.RunId}");
        }

        // One pass per firing: no fire time twice, each a whole number of periods after the previous one.
        var fired = passes.Select(p => p.FiredFor).ToList();
        Assert.Equal(fired.Count, fired.Distinct().Count());
        Assert.All(fired.Order().Zip(fired.Order().Skip(1)), pair =>
            Assert.True((pair.Second - pair.First).TotalSeconds % Period == 0 && pair.Second > pair.First, $"{pair.First:O} → {pair.Second:O}"));
        // Only the workers fire (the web node's scheduler is not started).
        Assert.All(passes, p => Assert.StartsWith("worker-", p.Node, StringComparison.Ordinal));

        // One scheduled run per started pass, and no other.
        var started = passes.Where(p => p.Action == "schedule.started").Select(p => p.RunId!.Value).ToList();
        var scheduledRuns = (await RunsAsync(api, jobId)).Where(r => r.GetProperty("trigger").GetString() == "Scheduled").ToList();
        Assert.Equal(started.Order(), scheduledRuns.Select(r => r.GetProperty("id").GetGuid()).Order());
        foreach (var r in scheduledRuns)
        {
            output.WriteLine($"run {r.GetProperty("id")} on {r.GetProperty("nodeId")}: queued {r.GetProperty("queuedAtUtc"):O}, started {r.GetProperty("startedAtUtc")}, ended {r.GetProperty("endedAtUtc")}");
        }

        Assert.All(scheduledRuns, r => Assert.True(r.GetProperty("status").GetString() == "Succeeded", r.ToString()));
        Assert.Equal(5, await cluster.Destination.CountMessagesAsync(user, "INBOX"));
        output.WriteLine($"{passes.Count} passes, {started.Count} runs, in {sw.Elapsed.TotalSeconds:N1} s");
    }

    [Fact]
    public async Task WebhookEvents_AreDeliveredOncePerAttempt_ByThreeNodes_WithRetriesNotDoubled()
    {
        cluster.Output = output;
        const int Events = 20;
        using var receiver = new CountingReceiver(FailuresFirst);
        var webhooks = cluster.Web.Services.GetRequiredService<WebhookService>();
        var endpoint = await webhooks.AddEndpointAsync(receiver.Url, "once-per-cluster-secret-0123456789", [WebhookEvents.GateReady], LigboxAppFactory.AdminEmail);

        var events = new List<Guid>();
        for (var i = 0; i < Events; i++)
        {
            events.Add(await webhooks.PublishAsync(WebhookEvents.GateReady, null, new { n = i }));
        }

        var rows = await WaitForRowsAsync(async () => (await webhooks.ListDeliveriesAsync(500)).Where(d => d.EndpointId == endpoint.Id).ToList(),
            r => r.Count == Events && r.All(d => d.Status == WebhookDeliveryStatus.Delivered), TimeSpan.FromSeconds(60));

        // The receiver saw each event exactly FailuresFirst + 1 times: two refusals and one success, never a second copy.
        var byEvent = receiver.Requests();
        Assert.Equal(events.Select(e => e.ToString()).Order(StringComparer.Ordinal), byEvent.Keys.Order(StringComparer.Ordinal));
        Assert.All(byEvent, e => Assert.True(e.Value == FailuresFirst + 1, $"event {e.Key}: {e.Value} requests"));
        Assert.All(rows, d => Assert.Equal(FailuresFirst + 1, d.Attempts));
        AssertWorkersTookPart("Webhook", rows.Select(d => d.Id.ToString()));
    }

    [Fact]
    public async Task DeskAttachments_AreSentOncePerAttempt_ByThreeNodes_WithRetriesNotDoubled()
    {
        cluster.Output = output;
        const int Jobs = 6;
        using var receiver = new CountingReceiver(FailuresFirst);
        var desk = cluster.Web.Services.GetRequiredService<DeskService>();
        await desk.SaveConnectionAsync(new DeskSettings { Enabled = true, BaseUrl = receiver.BaseUrl, Token = "once-per-cluster-token", AttachOnApproval = false },
            LigboxAppFactory.AdminEmail);
        var tickets = new List<string>();
        for (var i = 0; i < Jobs; i++)
        {
            var ticket = $"OPC-{i}-{Guid.NewGuid():N}"[..14];
            var jobId = await GateSeed.ReadyJobAsync(cluster.Web.Services, $"opc{i}-{Guid.NewGuid():N}"[..12] + ".example.com", ticket);
            await desk.RequestAttachAsync(jobId, LigboxAppFactory.AdminEmail);
            tickets.Add(ticket);
        }

        var rows = await WaitForRowsAsync(async () => (await desk.ListDeliveriesAsync(null, 200)).Where(d => tickets.Contains(d.TicketId)).ToList(),
            r => r.Count == Jobs && r.All(d => d.Status == DeskDeliveryStatus.Delivered), TimeSpan.FromSeconds(60));

        var byTicket = receiver.Requests();
        Assert.Equal(tickets.Select(t => $"/api/tickets/{t}/attachments").Order(StringComparer.Ordinal), byTicket.Keys.Order(StringComparer.Ordinal));
        Assert.All(byTicket, t => Assert.True(t.Value == FailuresFirst + 1, $"{t.Key}: {t.Value} requests"));
        Assert.All(rows, d => Assert.Equal(FailuresFirst + 1, d.Attempts));
        AssertWorkersTookPart("Desk", rows.Select(d => d.Id.ToString()));
    }

    [Fact]
    public async Task APstUploadedThroughTheWebNode_IsImportedOnceByAWorker_FromTheSharedDataDirectory()
    {
        cluster.Output = output;
        var api = cluster.Api;
        var (jobId, mailboxId, user) = await Pst.PstUploads.CreateJobWithMailboxAsync(api, cluster.Destination, "pstnode");
        // The web node receives the upload (tus) into the shared data directory; it executes no run.
        await ImportOnAWorkerAsync(api, jobId, mailboxId, await File.ReadAllBytesAsync(Pst.PstUploads.PstPath("Outlook_1.pst")), "Outlook_1.pst", "Imported PST");
        // Real readpst on the worker read the file the web node stored: every message once.
        Assert.Equal(8, await cluster.Destination.CountMessagesAsync(user, "INBOX"));
        Assert.Equal(6, await cluster.Destination.CountMessagesAsync(user, "Sent"));
    }

    [Fact]
    public async Task AZimbraExportUploadedThroughTheWebNode_IsImportedByAWorker_AndItsQuarantineAndContactsAreServedByTheWebNode()
    {
        cluster.Output = output;
        var api = cluster.Api;
        var (jobId, mailboxId, user) = await Pst.PstUploads.CreateJobWithMailboxAsync(api, cluster.Destination, "tgznode");
        using var tgz = new MemoryStream();
        ZimbraTgzGenerator.Write(tgz, new ZimbraTgzSpec
        {
            Folders = [new("Inbox", 40), new("Projetos", 12)], TruncatedMessage = 45, WithoutMessageId = 3, Contacts = 2,
        });
        var (runId, location) = await ImportOnAWorkerAsync(api, jobId, mailboxId, tgz.ToArray(), "ana.tgz", "");
        Assert.Equal(40, await cluster.Destination.CountMessagesAsync(user, "INBOX"));
        Assert.Equal(11, await cluster.Destination.CountMessagesAsync(user, "Projetos")); // one truncated: quarantined

        // The worker wrote the quarantined message and the contacts into the shared data directory; the web node serves them.
        var report = await api.GetFromJsonAsync<JsonElement>(location);
        var quarantined = Assert.Single(report.GetProperty("quarantine").EnumerateArray());
        Assert.StartsWith("truncated:", quarantined.GetProperty("reason").GetString());
        using var eml = await api.GetAsync($"/api/migration/runs/{runId}/tgz/quarantine/{quarantined.GetProperty("number").GetInt32()}");
        Assert.Equal(HttpStatusCode.OK, eml.StatusCode);
        Assert.NotEmpty(await eml.Content.ReadAsByteArrayAsync());
        using var items = await api.GetAsync($"/api/migration/runs/{runId}/tgz/items");
        Assert.Equal(HttpStatusCode.OK, items.StatusCode);
        using var zip = new System.IO.Compression.ZipArchive(await items.Content.ReadAsStreamAsync());
        using var vcf = new StreamReader(zip.GetEntry("contacts.vcf")!.Open());
        Assert.Equal(2, (await vcf.ReadToEndAsync()).Split("BEGIN:VCARD").Length - 1);
    }

    /// <summary>Uploads a file through the web node (tus), starts its import there and waits: a worker ran it, and it succeeded.</summary>
    private async Task<(Guid RunId, string Location)> ImportOnAWorkerAsync(HttpClient api, string jobId, string mailboxId, byte[] file, string name, string rootFolder)
    {
        var uploadId = await Pst.PstUploads.TusUploadAsync(api, file, name);
        using var start = await api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes/{mailboxId}/import", new { uploadId, rootFolder });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var runId = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
        var run = await WaitForRunAsync(api, runId, TimeSpan.FromSeconds(120));
        output.WriteLine($"import of {name} on {run.GetProperty("nodeId")}: {run.GetProperty("status")} {run.GetProperty("message")}");
        Assert.True(run.GetProperty("status").GetString() == "Succeeded", run.ToString());
        Assert.StartsWith("worker-", run.GetProperty("nodeId").GetString(), StringComparison.Ordinal);
        return (runId, start.Headers.Location!.ToString());
    }

    private sealed record Pass(string Action, DateTime FiredFor, string Node, Guid? RunId);

    private async Task<List<Pass>> PassesAsync(Guid jobId)
    {
        var audit = await cluster.Web.Services.GetRequiredService<AuditLog>().ListAsync(jobId);
        return audit.Where(a => a.Action is "schedule.started" or "schedule.skipped").Select(a =>
        {
            using var details = JsonDocument.Parse(a.Details!);
            var root = details.RootElement;
            return new Pass(a.Action, root.GetProperty("firedFor").GetDateTime(), root.GetProperty("node").GetString()!,
                root.GetProperty("runId").ValueKind == JsonValueKind.Null ? null : root.GetProperty("runId").GetGuid());
        }).ToList();
    }

    private async Task<List<Pass>> WaitForPassesAsync(Guid jobId, Func<List<Pass>, bool> done, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var passes = await PassesAsync(jobId);
            if (done(passes))
            {
                return passes;
            }

            Assert.True(DateTime.UtcNow < until, $"only {passes.Count} scheduled pass(es) in {timeout}");
            await Task.Delay(200);
        }
    }

    /// <summary>The schedule triggers in Quartz's store (every job's, of this test's database).</summary>
    private async Task<IReadOnlyCollection<TriggerKey>> ScheduleTriggerKeysAsync()
    {
        var scheduler = await cluster.Web.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        return await scheduler.GetTriggerKeys(GroupMatcher<TriggerKey>.GroupEquals(DeltaScheduleTriggers.Group));
    }

    /// <summary>Quartz's rows of the schedule jobs being fired or executed, on any node.</summary>
    private async Task<long> ExecutingScheduleFiringsAsync()
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM qrtz_fired_triggers WHERE trigger_group = 'schedules'", connection);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var until = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"still {what} after {timeout}");
            await Task.Delay(200);
        }
    }

    private static async Task<List<T>> WaitForRowsAsync<T>(Func<Task<List<T>>> read, Func<List<T>, bool> done, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var rows = await read();
            if (done(rows))
            {
                return rows;
            }

            Assert.True(DateTime.UtcNow < until, $"the deliveries did not all end delivered in {timeout}: {string.Join("; ", rows)}");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// A real HTTP receiver on a free loopback port that counts requests per delivery (a webhook's event id header, else the
    /// path) and refuses the first <c>failuresFirst</c> of each with 503.
    /// </summary>
    private sealed class CountingReceiver : Webhooks.LoopbackHttpReceiver
    {
        private readonly ConcurrentDictionary<string, int> _counts = new();
        private readonly int _failuresFirst;

        public CountingReceiver(int failuresFirst)
        {
            _failuresFirst = failuresFirst;
            Start("/");
        }

        public string Url => BaseUrl + "/hook";

        public Dictionary<string, int> Requests() => new(_counts);

        protected override async Task<int> AnswerAsync(HttpListenerRequest request)
        {
            await request.InputStream.CopyToAsync(Stream.Null);
            // A receiver that takes its time: a sender is busy with one delivery while the others take the next ones.
            await Task.Delay(100);
            var key = request.Headers["X-Ligbox-Event-Id"] ?? request.Url!.AbsolutePath;
            var nth = _counts.AddOrUpdate(key, 1, (_, n) => n + 1);
            return nth <= _failuresFirst ? 503 : 201;
        }
    }

    /// <summary>Keeps a worker process's output, and passes it to the running test (none between tests).</summary>
    private sealed class WorkerOutput : ITestOutputHelper
    {
        public ITestOutputHelper? Inner { get; set; }

        public ConcurrentQueue<string> Lines { get; } = new();

        public void WriteLine(string message)
        {
            Lines.Enqueue(message);
            Inner?.WriteLine(message);
        }

        public void WriteLine(string format, params object[] args) => WriteLine(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
    }

    /// <summary>
    /// The workers logged attempts of this kind (failed attempts are warnings, which they write): the senders did contend,
    /// the web node did not send everything alone.
    /// </summary>
    private void AssertWorkersTookPart(string kind, IEnumerable<string> ids)
    {
        var byWorker = new[] { "worker-1", "worker-2" }.ToDictionary(w => w, w => cluster.LinesOf(w)
            .Count(l => l.Contains($"{kind} delivery", StringComparison.Ordinal) && ids.Any(id => l.Contains(id, StringComparison.Ordinal))));
        output.WriteLine($"{kind} attempts logged by the workers: {string.Join(", ", byWorker.Select(w => $"{w.Key} {w.Value}"))}");
        Assert.True(byWorker.Values.Sum() > 0, $"no {kind} attempt was made by a worker: the test did not make the nodes contend");
    }
}
