using System.Net;
using System.Text.Json;
using Ligbox.Console.Realtime;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Core.Runs;
using Ligbox.Testing.Dovecot;
using Ligbox.Tools.NativeImap;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using static Ligbox.Console.Tests.Realtime.RealtimeTestSupport;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;

namespace Ligbox.Console.Tests.Realtime;

/// <summary>/hubs/runs on real Kestrel with real SignalR clients, real runs on a real Dovecot pair.</summary>
public sealed class RunsHubTests(RunsHubTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<RunsHubTests.Fixture>
{
    public sealed class Fixture : LigboxKestrelAppFactory
    {
        public DovecotServer Source { get; } = new();
        public DovecotServer Destination { get; } = new();
        public CapturingLoggerProvider Logs { get; } = new();
        public HttpClient Api { get; private set; } = null!;

        // A cap per mailbox so a run lasts a few seconds, small batches for frequent figures; ASP.NET Core's own logs at Trace, to catch a token in them.
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Tools:NativeImap:MaxMessagesPerSecond"] = "250",
            ["Tools:NativeImap:BatchSize"] = "50",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        };

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(l => l.ClearProviders().AddProvider(Logs));
        }

        public override async Task InitializeAsync()
        {
            await Task.WhenAll(Source.StartAsync(), Destination.StartAsync());
            await base.InitializeAsync();
            Api = await CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            Source.Dispose();
            Destination.Dispose();
        }
    }

    private Uri Server => fixture.ServerAddress;

    [Fact]
    public async Task TwoClients_ReceiveTheSameLinesInTheSameOrder_AndLiveProgress_DuringARealRun()
    {
        var pairs = new[] { NewPair(fixture.Source, fixture.Destination), NewPair(fixture.Source, fixture.Destination) };
        var jobId = await CreateJobAsync(fixture.Api, fixture.Source, fixture.Destination);
        foreach (var (user, sp, dp) in pairs)
        {
            await SeedAsync(fixture.Source, user, "INBOX", 500);
            await SeedAsync(fixture.Source, user, "Archive", 200, "old");
            await AddMailboxAsync(fixture.Api, jobId, user, sp, user, dp);
        }

        var token = await fixture.CreateTokenAsync(Scopes.JobsRead);
        await using var header = Bearer(Server, token);
        await using var query = QueryToken(Server, token);
        var a = new HubRecorder(header);
        var b = new HubRecorder(query);
        await Task.WhenAll(header.StartAsync(), query.StartAsync());
        var snapshot = await header.InvokeAsync<RunsSnapshot>("Subscribe", jobId, null);
        await query.InvokeAsync<RunsSnapshot>("Subscribe", jobId, null);
        Assert.Equal(jobId, snapshot.JobId);
        Assert.Empty(snapshot.Runs);

        var runId = await StartAsync(fixture.Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" });
        await a.WaitForStatusAsync(runId, RunStatus.Succeeded, TimeSpan.FromSeconds(90));
        await b.WaitForStatusAsync(runId, RunStatus.Succeeded, TimeSpan.FromSeconds(10));

        // Both clients: the same lines, in the same order, none lost (Seq 1..n without a gap).
        var lines = a.Lines(runId);
        Assert.Equal(lines.Select(l => (l.Seq, l.Text)), b.Lines(runId).Select(l => (l.Seq, l.Text)));
        Assert.Equal(Enumerable.Range(1, lines.Count).Select(i => (long)i), lines.Select(l => l.Seq));
        foreach (var (user, _, _) in pairs)
        {
            Assert.Contains(lines, l => l.Mailbox == user && l.Text.EndsWith($"Mailbox done: 700/700 messages, {l.Text.Split(", ")[^1]}", StringComparison.Ordinal));
        }

        Assert.StartsWith("Initial sync of 2 mailbox(es) done: 1400 messages copied", lines[^1].Text.Split(' ', 3)[2], StringComparison.Ordinal);
        Assert.Equal(RunLogLevel.Info, lines[^1].Level);

        // Live: figures arrived while the run was running, growing, with each folder's figures.
        var first = pairs[0].User;
        var figures = a.Updates.SelectMany(u => u.Message.Progress).Where(p => p.Mailbox == first).ToList();
        Assert.True(figures.Count >= 3, $"only {figures.Count} progress snapshots of {first}");
        Assert.True(figures.Select(f => f.Done).Distinct().Count() >= 3, string.Join(",", figures.Select(f => f.Done)));
        var last = figures[^1];
        Assert.Equal((700L, 700L, "MailboxCompleted"), (last.Done, last.Total, last.Stage));
        Assert.Contains(last.Folders, f => f is { Folder: "INBOX", Total: 500 });
        Assert.Contains(figures.SelectMany(f => f.Folders), f => f is { Folder: "Archive", Done: 200, Total: 200, Completed: true });

        // Status changes: running and then succeeded, the final status after the last line.
        var statuses = a.Statuses.Where(s => s.Message.RunId == runId).ToList();
        Assert.Contains(statuses, s => s.Message.Status == RunStatus.Running);
        Assert.True(a.Updates.Where(u => u.Message.Lines.Count > 0).Max(u => u.At) <= statuses.Single(s => s.Message.Status == RunStatus.Succeeded).At);
        var rate = MaxPerSecond(a.Updates.Select(u => u.At).ToList());
        output.WriteLine($"{lines.Count} lines, {a.Updates.Count} updates, {statuses.Count} status changes; at most {rate} updates in one second");
        Assert.True(rate <= 12, $"{rate} updates in one second");

        // Nothing secret travels or is logged: no password in any payload, the token not in the host's logs.
        var wire = JsonSerializer.Serialize(new { a.Updates, a.Statuses, b = b.Updates });
        foreach (var (_, sp, dp) in pairs)
        {
            Assert.DoesNotContain(sp, wire, StringComparison.Ordinal);
            Assert.DoesNotContain(dp, wire, StringComparison.Ordinal);
        }

        Assert.Contains(fixture.Logs.Messages, m => m.Contains("/hubs/runs", StringComparison.Ordinal) || m.Contains("RunsHub", StringComparison.Ordinal));
        Assert.DoesNotContain(fixture.Logs.Messages, m => m.Contains(token, StringComparison.Ordinal) || m.Contains(Uri.EscapeDataString(token), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Flood_IsDebounced_ToAboutTenUpdatesPerSecond_AndTheLastFiguresArrive()
    {
        const int mailboxes = 200, rounds = 40, linesPerRound = 25;
        var jobId = await CreateJobAsync(fixture.Api, fixture.Source, fixture.Destination);
        await using var client = Bearer(Server, await fixture.CreateTokenAsync(Scopes.JobsRead));
        var recorder = new HubRecorder(client);
        await client.StartAsync();
        await client.InvokeAsync<RunsSnapshot>("Subscribe", jobId, null);

        // The engine's side of a busy run: 200 mailboxes reporting every ~50 ms, and log lines in between.
        var notifier = fixture.Services.GetRequiredService<RunProgressNotifier>();
        var runId = Guid.NewGuid();
        var started = DateTime.UtcNow;
        for (var round = 1; round <= rounds; round++)
        {
            for (var m = 0; m < mailboxes; m++)
            {
                notifier.Report(jobId, runId, $"user{m:D3}@example.com", new SyncProgressEvent
                {
                    MailboxKey = $"k{m}", Stage = SyncProgressStage.FolderProgress, Folder = "INBOX",
                    FolderDone = round, FolderTotal = rounds, MailboxDone = round, MailboxTotal = rounds, BytesTransferred = round * 1000L,
                });
            }

            for (var i = 0; i < linesPerRound; i++)
            {
                notifier.Line(jobId, runId, $"2026-12-01 08:00:00 [user{i:D3}@example.com] round {round} line {i}");
            }

            await Task.Delay(50);
        }

        var flood = DateTime.UtcNow - started;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!recorder.Updates.Any(u => u.Message.Progress.Count == mailboxes && u.Message.Progress.All(p => p.Done == rounds))
               || recorder.Lines(runId).Count < rounds * linesPerRound)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the last figures did not arrive: {recorder.Updates.Count} updates, {recorder.Lines(runId).Count} lines");
            await Task.Delay(50);
        }

        var updates = recorder.Updates.Select(u => u.At).ToList();
        var perSecond = MaxPerSecond(updates);
        var events = rounds * (mailboxes + linesPerRound);
        output.WriteLine($"{events} reports in {flood.TotalSeconds:N1} s → {updates.Count} updates, at most {perSecond} in one second; " +
            $"average {updates.Count / Math.Max(0.1, (updates[^1] - updates[0]).TotalSeconds):N1}/s");
        Assert.True(updates.Count >= 5, $"only {updates.Count} updates: figures are not pushed while the flood goes on");
        Assert.True(perSecond <= 12, $"{perSecond} updates in one second");
        // Every line once, in order, although each push carries only the lines since the previous one.
        Assert.Equal(Enumerable.Range(1, rounds * linesPerRound).Select(i => (long)i), recorder.Lines(runId).Select(l => l.Seq));
        var final = recorder.Updates[^1].Message;
        Assert.Equal(mailboxes, final.Progress.Count);
        Assert.All(final.Progress, p => Assert.Equal((rounds, rounds * 1000L), (p.Done, p.Bytes)));
    }

    [Fact]
    public async Task Technician_ConnectsWithTheCookie()
    {
        var jobId = await CreateJobAsync(fixture.Api, fixture.Source, fixture.Destination);
        await fixture.CreateUserAsync("tech.hub@ligbox.test", Roles.Technician);
        await using var client = Cookies(Server, await SignInAsync(Server, "tech.hub@ligbox.test", LigboxAppFactory.DefaultPassword));
        await client.StartAsync();
        var snapshot = await client.InvokeAsync<RunsSnapshot>("Subscribe", jobId, null);
        Assert.Equal(jobId, snapshot.JobId);
    }

    [Fact]
    public async Task Anonymous_IsRefused()
    {
        await using var client = Anonymous(Server);
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
    }

    [Theory]
    [InlineData(Scopes.GateRead)]
    [InlineData(Scopes.JobsWrite)]
    public async Task TokenWithoutTheReadScope_IsRefused(string scope)
    {
        await using var client = Bearer(Server, await fixture.CreateTokenAsync(scope));
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.StartAsync());
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
    }

    [Fact]
    public async Task UnknownToken_InTheQuery_IsRefused()
    {
        await using var client = QueryToken(Server, "lgbx_not-a-real-token");
        await Assert.ThrowsAnyAsync<Exception>(() => client.StartAsync());
        Assert.Equal(HubConnectionState.Disconnected, client.State);
    }

    [Fact]
    public async Task UnknownJob_AndARunOfAnotherJob_AreRefused()
    {
        var jobId = await CreateJobAsync(fixture.Api, fixture.Source, fixture.Destination);
        var other = await CreateJobAsync(fixture.Api, fixture.Source, fixture.Destination);
        var (user, sp, dp) = NewPair(fixture.Source, fixture.Destination);
        await AddMailboxAsync(fixture.Api, other, user, sp, user, dp);
        var otherRun = await StartAsync(fixture.Api, $"/api/migration/jobs/{other}/preflight");
        await using var client = Bearer(Server, await fixture.CreateTokenAsync(Scopes.JobsRead));
        await client.StartAsync();

        var unknown = Guid.NewGuid();
        var error = await Assert.ThrowsAsync<HubException>(() => client.InvokeAsync<RunsSnapshot>("Subscribe", unknown, null));
        Assert.Contains($"There is no migration job {unknown}: check the job id.", error.Message, StringComparison.Ordinal);
        error = await Assert.ThrowsAsync<HubException>(() => client.InvokeAsync<RunsSnapshot>("Subscribe", jobId, otherRun));
        Assert.Contains($"The job {jobId} has no run {otherRun}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.Message, StringComparison.Ordinal);

        // The same run under its own job is followed, with its lines so far.
        await WaitForRunAsync(fixture.Api, otherRun);
        var snapshot = await client.InvokeAsync<RunsSnapshot>("Subscribe", other, otherRun);
        Assert.Equal(otherRun, snapshot.RunId);
        Assert.Contains(snapshot.Lines, l => l.Text.Contains("Pre-flight OK", StringComparison.Ordinal));
    }

    /// <summary>The most messages that arrived within any one second.</summary>
    private static int MaxPerSecond(IReadOnlyList<DateTime> times) =>
        times.Count == 0 ? 0 : times.Select((t, i) => times.Skip(i).TakeWhile(x => x - t < TimeSpan.FromSeconds(1)).Count()).Max();
}
