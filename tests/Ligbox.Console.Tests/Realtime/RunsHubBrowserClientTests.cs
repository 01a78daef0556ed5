using System.Text.Json;
using Ligbox.Console.Tests.Browser;
using Ligbox.Console.Tests.Uploads;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Dovecot;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;

namespace Ligbox.Console.Tests.Realtime;

/// <summary>
/// The official JavaScript client (@microsoft/signalr from tests/js) in real Chromium: a browser cannot put
/// headers on a WebSocket, so the token travels as <c>access_token</c> in the query string.
/// </summary>
public sealed class RunsHubBrowserClientTests(BrowserSession session) : DovecotPairTest, IClassFixture<BrowserSession>
{
    private static readonly string ClientScript = Path.Combine(NodeTusClient.JsDirectory, "node_modules", "@microsoft", "signalr", "dist", "browser", "signalr.min.js");
    [Fact]
    public async Task BrowserClient_WithTheTokenInTheQuery_FollowsARun_AndAWrongTokenIsRefused()
    {
        Assert.True(File.Exists(ClientScript), $"{ClientScript} is missing: run (cd tests/js && npm ci)");
        var (user, sp, dp) = NewPair(Source, Destination);
        await SeedAsync(Source, user, "INBOX", 30);
        using var api = await session.App.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        var jobId = await CreateJobAsync(api, Source, Destination);
        await AddMailboxAsync(api, jobId, user, sp, user, dp);
        var token = await session.App.CreateTokenAsync(Scopes.JobsRead);

        // A page of the console's origin without a cookie: only the token can authenticate.
        // The script is injected by the test (the console does not serve the SignalR client), so the console's own
        // CSP, which allows only its scripts, is bypassed for this page.
        await using var context = await session.Browser.NewContextAsync(new() { BaseURL = session.App.ServerAddress.ToString(), BypassCSP = true });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.AddScriptTagAsync(new() { Path = ClientScript });
        const string connect = """
            async ([token, jobId]) => {
              const hub = new signalR.HubConnectionBuilder()
                .withUrl("/hubs/runs", { accessTokenFactory: () => token, transport: signalR.HttpTransportType.WebSockets, skipNegotiation: true })
                .build();
              window.lines = []; window.statuses = [];
              hub.on("RunUpdate", m => m.lines.forEach(l => { if (!window.lines.length || l.seq > window.lines.at(-1).seq) window.lines.push(l); }));
              hub.on("RunStatus", m => window.statuses.push(m.status));
              try { await hub.start(); } catch (e) { return "refused: " + e; }
              const snapshot = await hub.invoke("Subscribe", jobId, null);
              window.hub = hub;
              return "subscribed " + snapshot.jobId;
            }
            """;

        Assert.StartsWith("refused: ", await page.EvaluateAsync<string>(connect, new object[] { "lgbx_wrong", jobId.ToString() }), StringComparison.Ordinal);
        Assert.Equal($"subscribed {jobId}", await page.EvaluateAsync<string>(connect, new object[] { token, jobId.ToString() }));

        var runId = await StartAsync(api, $"/api/migration/jobs/{jobId}/preflight");
        await page.WaitForFunctionAsync("() => window.statuses.includes('Succeeded')", null, new() { Timeout = 30_000 });
        var lines = await page.EvaluateAsync<JsonElement>("() => window.lines");
        var texts = lines.EnumerateArray().Select(l => l.GetProperty("text").GetString()!).ToList();
        Assert.Contains(texts, t => t.Contains($"[{user}] Pre-flight OK", StringComparison.Ordinal));
        Assert.Equal(Enumerable.Range(1, texts.Count), lines.EnumerateArray().Select(l => l.GetProperty("seq").GetInt32()));
        Assert.Equal("Info", lines[0].GetProperty("level").GetString());
        Assert.Equal(runId, (await WaitForRunAsync(api, runId)).GetProperty("id").GetGuid());
        await page.EvaluateAsync("() => window.hub.stop()");
    }
}
