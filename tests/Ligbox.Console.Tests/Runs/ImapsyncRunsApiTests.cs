using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Core.Runs;
using Ligbox.Testing.Imapsync;
using Ligbox.Testing.Processes;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;

namespace Ligbox.Console.Tests.Runs;

/// <summary>
/// Runs of jobs whose engine is imapsync, through the API and Quartz on the real app. imapsync cannot be
/// installed here: the fake replays recorded real imapsync 2.229 logs (and exits with the recorded code),
/// so what is tested is everything around it — argv, passfiles, logs, progress, statistics, failures, cancel.
/// </summary>
public class ImapsyncRunsApiTests(ImapsyncRunsApiTests.Fixture fixture) : IClassFixture<ImapsyncRunsApiTests.Fixture>
{
    public sealed class Fixture : LigboxAppFactory
    {
        public FakeImapsync Imapsync { get; } = new();
        public HttpClient Api { get; private set; } = null!;

        protected override IDictionary<string, string?> Settings
        {
            get
            {
                var settings = base.Settings;
                settings["Tools:Imapsync:ImapsyncPath"] = Imapsync.ExecutablePath;
                return settings;
            }
        }

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Api = await CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite, Scopes.GateRead);
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            Imapsync.Dispose();
        }
    }

    private HttpClient Api => fixture.Api;

    [Fact]
    public async Task Preflight_LogsInWithJustLoginPerMailbox_AndKeepsPasswordsOutOfArgvLogsAndApi()
    {
        fixture.Imapsync.Replay("justlogin-ok.log");
        var (jobId, mailboxes) = await CreateImapsyncJobAsync(2);

        var runId = await StartAsync(Api, $"/api/migration/jobs/{jobId}/preflight");
        var run = await WaitForRunAsync(Api, runId);

        Assert.True(run.GetProperty("status").GetString() == "Succeeded", run.ToString());
        Assert.Equal("Preflight", await JobPhaseAsync(Api, jobId));
        foreach (var m in run.GetProperty("mailboxes").EnumerateArray())
        {
            Assert.Equal("Pre-flight OK: imapsync logged in to the source and the destination.", m.GetProperty("message").GetString());
            Assert.Equal("imapsync", m.GetProperty("result").GetProperty("engine").GetString());
            Assert.Equal(0, m.GetProperty("result").GetProperty("exitCode").GetInt32());
        }

        var log = await Api.GetStringAsync($"/api/migration/runs/{runId}/log");
        var argvs = FakeArgvs(log);
        Assert.Equal(2, argvs.Count);
        var logDir = Path.Combine(fixture.DataDir, "logs", "imapsync", jobId.ToString("N"), runId.ToString("N"));
        foreach (var argv in argvs)
        {
            Assert.Equal("--justlogin", argv[^1]);
            Assert.Contains("--nodockercontext", argv);
            Assert.Equal(logDir, Value(argv, "--logdir"));
            Assert.StartsWith(Path.Combine(fixture.DataDir, "work", "imapsync"), Value(argv, "--pidfile"), StringComparison.Ordinal);
            Assert.False(File.Exists(Value(argv, "--passfile1")), "passfile1 was left behind");
            Assert.False(File.Exists(Value(argv, "--passfile2")), "passfile2 was left behind");
            Assert.True(File.Exists(Path.Combine(logDir, Value(argv, "--logfile"))), "imapsync's own log is kept per run");
        }

        // The fake read each password from its passfile (it prints their hashes), but no password shows anywhere.
        Assert.Equal(4, log.Split('\n').Count(l => l.Contains("sha256", StringComparison.Ordinal)));
        var secrets = mailboxes.SelectMany(m => new[] { m.SourcePassword, m.DestPassword }).ToArray();
        AssertNoSecret(log, secrets);
        AssertNoSecret(run.ToString(), secrets);
        AssertNoSecret(await Api.GetStringAsync($"/api/migration/jobs/{jobId}/mailboxes"), secrets);
        AssertNoSecret(string.Concat(Directory.GetFiles(logDir).Select(File.ReadAllText)), secrets);
    }

    [Fact]
    public async Task Preflight_WithWrongDestinationPassword_FailsInPlainWordsOnMailboxAndRun()
    {
        // The recorded run had a wrong password for user2 (the destination): exit 162.
        fixture.Imapsync.Replay("justlogin-badpass.log");
        var (jobId, mailboxes) = await CreateImapsyncJobAsync(1);

        var run = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/preflight"));

        Assert.Equal("Failed", run.GetProperty("status").GetString());
        var item = run.GetProperty("mailboxes")[0];
        var message = item.GetProperty("message").GetString()!;
        Assert.StartsWith($"authentication failed for {mailboxes[0].User} on the destination (imap.new.example): check the password", message, StringComparison.Ordinal);
        Assert.Equal(162, item.GetProperty("result").GetProperty("exitCode").GetInt32());
        Assert.Contains(message, run.GetProperty("message").GetString()!, StringComparison.Ordinal);
        var stored = await Api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}/mailboxes");
        Assert.Equal("Failed", stored[0].GetProperty("status").GetString());
        Assert.Equal(message, stored[0].GetProperty("statusMessage").GetString());
    }

    [Fact]
    public async Task Initial_WithTheFullSyncLog_StoresTheLogsFiguresAndReportsProgressLive()
    {
        // Slowed down a little (815 lines × 2 ms) so the live figures can be watched.
        fixture.Imapsync.Replay("full-sync.log", delay: 0.002);
        var (jobId, mailboxes) = await CreateImapsyncJobAsync(1);
        var notifier = fixture.Services.GetRequiredService<RunProgressNotifier>();
        var seen = new List<MailboxProgress>();
        using var subscription = notifier.Subscribe(jobId, update =>
        {
            lock (seen)
            {
                seen.AddRange(notifier.GetProgress(update.RunId));
            }

            return Task.CompletedTask;
        });

        var runId = await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" });
        var run = await WaitForRunAsync(Api, runId);

        Assert.True(run.GetProperty("status").GetString() == "Succeeded", run.ToString());
        var st = run.GetProperty("mailboxes")[0].GetProperty("result");
        Assert.Equal("imapsync", st.GetProperty("engine").GetString());
        Assert.Equal(500, st.GetProperty("messagesTransferred").GetInt32());
        Assert.Equal(0, st.GetProperty("messagesSkipped").GetInt32());
        Assert.Equal(0, st.GetProperty("errors").GetInt32());
        Assert.Equal(5111866, st.GetProperty("bytesTransferred").GetInt64());
        Assert.Equal(447.5, st.GetProperty("reportedMessagesPerSecond").GetDouble());
        Assert.Equal(TimeSpan.FromSeconds(1.1), TimeSpan.Parse(st.GetProperty("duration").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal(500, st.GetProperty("sourceMessages").GetInt64());
        Assert.Equal(500, st.GetProperty("destinationMessages").GetInt64());
        Assert.Equal(5111866, st.GetProperty("sourceBytes").GetInt64());
        Assert.Equal(5111866, st.GetProperty("destinationBytes").GetInt64());
        Assert.Equal(0, st.GetProperty("missingOnDestination").GetInt32());
        Assert.Equal(0, st.GetProperty("finalDifferenceMessages").GetInt64());
        Assert.Equal(0, st.GetProperty("exitCode").GetInt32());
        Assert.Equal("The sync finished successfully.", st.GetProperty("exitMeaning").GetString());
        Assert.Equal(5, st.GetProperty("folders").GetArrayLength());
        Assert.Equal("Syncing", await JobPhaseAsync(Api, jobId));

        var stored = (await Api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}/mailboxes"))[0];
        Assert.Equal("Synced", stored.GetProperty("status").GetString());
        Assert.Equal(500, stored.GetProperty("lastSourceCount").GetInt64());
        Assert.Equal(500, stored.GetProperty("lastDestinationCount").GetInt64());

        // imapsync's own lines stream into the run log, then our summary of its figures.
        var log = await Api.GetStringAsync($"/api/migration/runs/{runId}/log");
        Assert.Contains($"[{mailboxes[0].User}] msg INBOX/1 {{", log, StringComparison.Ordinal);
        Assert.Contains($"[{mailboxes[0].User}] ++++ Statistics", log, StringComparison.Ordinal);
        Assert.Contains($"[{mailboxes[0].User}] 500 copied, 0 already there, 0 errors; source 500, destination 500.", log, StringComparison.Ordinal);
        AssertNoSecret(log, mailboxes[0].SourcePassword, mailboxes[0].DestPassword);

        // Live figures were parsed from imapsync's "N/500 msgs left" lines while it ran.
        lock (seen)
        {
            Assert.Contains(seen, p => p.Mailbox == mailboxes[0].User && p.Total == 500 && p.Done is > 0 and < 500 && p.MessagesPerSecond > 0);
        }
    }

    [Fact]
    public async Task Initial_OverQuota_FailsWithWhatToDo_AndKeepsHowFarItGot()
    {
        fixture.Imapsync.Replay("overquota-sync.log");
        var (jobId, mailboxes) = await CreateImapsyncJobAsync(1);

        var run = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" }));

        Assert.Equal("Failed", run.GetProperty("status").GetString());
        var item = run.GetProperty("mailboxes")[0];
        Assert.StartsWith($"the destination mailbox {mailboxes[0].User} is over quota: free space or raise its quota, then run the sync again",
            item.GetProperty("message").GetString(), StringComparison.Ordinal);
        var st = item.GetProperty("result");
        Assert.Equal(113, st.GetProperty("exitCode").GetInt32());
        Assert.Contains("over quota", st.GetProperty("exitMeaning").GetString()!, StringComparison.Ordinal);
        Assert.Equal(104, st.GetProperty("messagesTransferred").GetInt32());
        Assert.Equal(50, st.GetProperty("errors").GetInt32());
        var stored = (await Api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}/mailboxes"))[0];
        Assert.Equal("Failed", stored.GetProperty("status").GetString());
    }

    [Fact]
    public async Task InitialDeltaFinal_FeedTheGate_WhenTheFinalPassFindsNothingMissing()
    {
        var (jobId, _) = await CreateImapsyncJobAsync(1);
        fixture.Imapsync.Replay("full-sync.log");
        Assert.Equal("Succeeded", (await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" }))).GetProperty("status").GetString());
        fixture.Imapsync.Replay("delta-sync.log");
        var delta = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "delta" }));
        Assert.Equal(0, delta.GetProperty("mailboxes")[0].GetProperty("result").GetProperty("messagesTransferred").GetInt32());
        Assert.Equal(500, delta.GetProperty("mailboxes")[0].GetProperty("result").GetProperty("messagesSkipped").GetInt32());

        // The recorded change run: 40 new messages copied, 20 expunged on the source still on the destination.
        fixture.Imapsync.Replay("change-sync.log");
        var final = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "final" }));

        Assert.True(final.GetProperty("status").GetString() == "Succeeded", final.ToString());
        var st = final.GetProperty("mailboxes")[0].GetProperty("result");
        Assert.Equal(0, st.GetProperty("missingOnDestination").GetInt32());
        Assert.Equal(20, st.GetProperty("messagesOnlyOnDestination").GetInt32());
        Assert.Equal(20, st.GetProperty("finalDifferenceMessages").GetInt64());
        Assert.Contains("missing on the destination: 0", final.GetProperty("mailboxes")[0].GetProperty("message").GetString()!, StringComparison.Ordinal);
        Assert.Equal("GateReady", await JobPhaseAsync(Api, jobId));
        var gate = await Api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}/gate");
        Assert.Equal("ready", gate.GetProperty("state").GetString(), ignoreCase: true);
        var gateMailbox = gate.GetProperty("result").GetProperty("mailboxes")[0];
        Assert.Equal(520, gateMailbox.GetProperty("sourceMessages").GetInt64());
        Assert.Equal(540, gateMailbox.GetProperty("destinationMessages").GetInt64());
        Assert.Equal(5009560, gateMailbox.GetProperty("sourceBytes").GetInt64());
    }

    [Fact]
    public async Task Final_WithMessagesNotOnTheDestination_CountsThemMissing_AndTheGateStaysBlocked()
    {
        var (jobId, mailboxes) = await CreateImapsyncJobAsync(1);
        fixture.Imapsync.Replay("full-sync.log");
        await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" }));

        // The recorded over-quota run with --errorsmax 5000: it went through, and 413 messages are in host1 not in host2.
        fixture.Imapsync.Replay("overquota-sync-noerrorsmax.log");
        var final = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "final" }));

        Assert.Equal("Failed", final.GetProperty("status").GetString());
        var st = final.GetProperty("mailboxes")[0].GetProperty("result");
        Assert.Equal(413, st.GetProperty("missingOnDestination").GetInt32());
        Assert.Equal(-413, st.GetProperty("finalDifferenceMessages").GetInt64());
        Assert.Equal(520, st.GetProperty("sourceMessages").GetInt64());
        Assert.Equal(107, st.GetProperty("destinationMessages").GetInt64());
        Assert.Equal(414, st.GetProperty("errors").GetInt32());
        Assert.Contains("over quota", final.GetProperty("message").GetString()!, StringComparison.Ordinal);
        var gate = await Api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}/gate");
        Assert.Equal("blocked", gate.GetProperty("state").GetString(), ignoreCase: true);
        Assert.Contains(gate.GetProperty("result").GetProperty("reasons").EnumerateArray(),
            r => r.GetString()!.Contains($"{mailboxes[0].User}: the mailbox failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancel_KillsImapsyncAndItsChildren_AndDeletesThePassfiles()
    {
        fixture.Imapsync.Replay("full-sync.log", delay: 0.05, spawnChild: true);
        var (jobId, mailboxes) = await CreateImapsyncJobAsync(1);
        var runId = await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" });
        var log = "";
        for (var i = 0; i < 200 && !log.Contains("FAKE child pid", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
            using var response = await Api.GetAsync($"/api/migration/runs/{runId}/log");
            log = response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : "";
        }

        Assert.Contains("FAKE child pid", log, StringComparison.Ordinal);
        var argv = FakeArgvs(log).Single();
        Assert.True(File.Exists(Value(argv, "--passfile1")), "the passfile exists while imapsync runs");

        using var cancel = await Api.PostAsync($"/api/migration/runs/{runId}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var run = await WaitForRunAsync(Api, runId);

        Assert.Equal("Cancelled", run.GetProperty("status").GetString());
        await ProcessAssert.ExitsAsync(Pid(log, "FAKE pid "));
        await ProcessAssert.ExitsAsync(Pid(log, "FAKE child pid "));
        Assert.False(File.Exists(Value(argv, "--passfile1")), "passfile1 was left behind");
        Assert.False(File.Exists(Value(argv, "--passfile2")), "passfile2 was left behind");
        Assert.False(Directory.Exists(Path.GetDirectoryName(Value(argv, "--passfile1"))), "the private run directory was left behind");
        var stored = (await Api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}/mailboxes"))[0];
        Assert.Equal("Ready", stored.GetProperty("status").GetString());
        AssertNoSecret(await Api.GetStringAsync($"/api/migration/runs/{runId}/log"), mailboxes[0].SourcePassword, mailboxes[0].DestPassword);
    }

    [Fact]
    public async Task Run_FailsNamingTheInstallScript_WhenImapsyncDisappearsBetweenQueueingAndRunning()
    {
        fixture.Imapsync.Replay("justlogin-ok.log");
        var (jobId, _) = await CreateImapsyncJobAsync(1);
        var scheduler = await fixture.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await scheduler.Standby();
        Guid runId;
        try
        {
            runId = await StartAsync(Api, $"/api/migration/jobs/{jobId}/preflight");
            fixture.Imapsync.Uninstall();
        }
        finally
        {
            await scheduler.Start();
        }

        JsonElement run;
        try
        {
            run = await WaitForRunAsync(Api, runId);
        }
        finally
        {
            fixture.Imapsync.Reinstall();
        }

        Assert.Equal("Failed", run.GetProperty("status").GetString());
        var message = run.GetProperty("message").GetString()!;
        Assert.StartsWith("imapsync is not installed on this console host", message, StringComparison.Ordinal);
        Assert.Contains("scripts/install-migration-tools.sh", message, StringComparison.Ordinal);
        Assert.Contains("native engine", message, StringComparison.Ordinal);
        var stored = (await Api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}/mailboxes"))[0];
        Assert.NotEqual("Syncing", stored.GetProperty("status").GetString());
    }

    internal sealed record TestMailbox(string User, string SourcePassword, string DestPassword);

    /// <summary>A job with engine imapsync and <paramref name="count"/> mailboxes with random passwords.</summary>
    private async Task<(Guid JobId, List<TestMailbox> Mailboxes)> CreateImapsyncJobAsync(int count)
    {
        var jobId = await CreateImapsyncJobAsync(Api);
        var mailboxes = new List<TestMailbox>();
        for (var i = 0; i < count; i++)
        {
            var m = new TestMailbox($"u{Guid.NewGuid():N}"[..10] + "@example.com", $"Src-{Guid.NewGuid():N}", $"Dst-{Guid.NewGuid():N}");
            await AddMailboxAsync(Api, jobId, m.User, m.SourcePassword, m.User, m.DestPassword);
            mailboxes.Add(m);
        }

        return (jobId, mailboxes);
    }

    internal static async Task<Guid> CreateImapsyncJobAsync(HttpClient api, string? domain = null)
    {
        using var response = await api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain = domain ?? $"i{Guid.NewGuid():N}"[..12] + ".example.com",
            source = new { host = "imap.old.example", port = 993, security = "Ssl", auth = "Plain" },
            destination = new { host = "imap.new.example", port = 993, security = "Ssl", auth = "Plain" },
            engine = "Imapsync",
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>The argv the fake printed, one per imapsync process (the run log prefixes lines with time and mailbox).</summary>
    internal static List<string[]> FakeArgvs(string log) => log.Split('\n')
        .Select(l => l.IndexOf("FAKE argv: ", StringComparison.Ordinal) is var i and >= 0 ? l[(i + "FAKE argv: ".Length)..].TrimEnd('\r').Split(' ') : null)
        .OfType<string[]>().ToList();

    private static string Value(string[] argv, string option) => argv[Array.IndexOf(argv, option) + 1];

    private static int Pid(string log, string prefix)
    {
        var line = log.Split('\n').First(l => l.Contains(prefix, StringComparison.Ordinal));
        return int.Parse(line[(line.IndexOf(prefix, StringComparison.Ordinal) + prefix.Length)..].Trim(), CultureInfo.InvariantCulture);
    }

    internal static void AssertNoSecret(string text, params string[] secrets)
    {
        foreach (var secret in secrets)
        {
            Assert.False(text.Contains(secret, StringComparison.Ordinal), "a password appears in the text");
        }
    }
}

/// <summary>A host where imapsync is not installed: runs of imapsync jobs are refused before they are queued.</summary>
public class ImapsyncMissingTests(ImapsyncMissingTests.Fixture fixture) : IClassFixture<ImapsyncMissingTests.Fixture>
{
    public sealed class Fixture : LigboxAppFactory
    {
        protected override IDictionary<string, string?> Settings
        {
            get
            {
                var settings = base.Settings;
                settings["Tools:Imapsync:ImapsyncPath"] = "/nonexistent/ligbox/imapsync";
                // No Dovecot configuration either: the doveadm engine cannot work on this host.
                settings["Tools:Doveadm:ConfigFile"] = "/nonexistent/ligbox/dovecot.conf";
                return settings;
            }
        }
    }

    [Theory]
    [InlineData("preflight", null)]
    [InlineData("sync", "initial")]
    public async Task StartingARun_Returns409ProblemNamingTheInstallScript_WhenImapsyncIsMissing(string action, string? kind)
    {
        using var api = await fixture.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        var jobId = await ImapsyncRunsApiTests.CreateImapsyncJobAsync(api);
        await AddMailboxAsync(api, jobId, "ana@example.com", "Src-Secret-1", "ana@example.com", "Dst-Secret-1");

        using var response = kind is null
            ? await api.PostAsync($"/api/migration/jobs/{jobId}/{action}", null)
            : await api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/{action}", new { kind });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(409, problem.GetProperty("status").GetInt32());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("imapsync is not installed", detail, StringComparison.Ordinal);
        Assert.Contains("scripts/install-migration-tools.sh", detail, StringComparison.Ordinal);
        Assert.Empty((await api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}/runs")).EnumerateArray());
    }
}
