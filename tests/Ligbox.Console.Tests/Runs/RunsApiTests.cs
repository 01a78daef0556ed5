using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;

namespace Ligbox.Console.Tests.Runs;

/// <summary>Runs through the API and Quartz on the real app, against two real Dovecot servers.</summary>
public class RunsApiTests(RunsApiTests.Fixture fixture) : IClassFixture<RunsApiTests.Fixture>
{
    public sealed class Fixture : DovecotPairAppFactory;

    private HttpClient Api => fixture.Api;

    [Fact]
    public async Task PreflightInitialDeltaFinal_CopyEverything_AndJobReachesGateReady()
    {
        var (user, sp, dp) = NewPair(fixture.Source, fixture.Destination);
        await SeedAsync(fixture.Source, user, "INBOX", 40);
        await SeedAsync(fixture.Source, user, "Work", 7, "work");
        var jobId = await CreateJobAsync(Api, fixture.Source, fixture.Destination);
        await AddMailboxAsync(Api, jobId, user, sp, user, dp);

        var preflight = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/preflight"));
        Assert.Equal("Succeeded", preflight.GetProperty("status").GetString());
        Assert.Equal("Preflight", await JobPhaseAsync(Api, jobId));
        var pfResult = preflight.GetProperty("mailboxes")[0].GetProperty("result");
        Assert.Equal(47, pfResult.GetProperty("messages").GetInt64());

        var initial = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" }));
        Assert.True(initial.GetProperty("status").GetString() == "Succeeded", initial.ToString());
        Assert.Equal("Syncing", await JobPhaseAsync(Api, jobId));
        Assert.Equal(40, await fixture.Destination.CountMessagesAsync(user, "INBOX"));
        Assert.Equal(7, await fixture.Destination.CountMessagesAsync(user, "Work"));
        Assert.Equal(47, initial.GetProperty("mailboxes")[0].GetProperty("result").GetProperty("messagesTransferred").GetInt32());

        await SeedAsync(fixture.Source, user, "INBOX", 3, "late");
        var delta = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "delta" }));
        Assert.True(delta.GetProperty("status").GetString() == "Succeeded", delta.ToString());
        Assert.Equal(3, delta.GetProperty("mailboxes")[0].GetProperty("result").GetProperty("messagesTransferred").GetInt32());
        Assert.Equal(43, await fixture.Destination.CountMessagesAsync(user, "INBOX"));

        var final = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "final" }));
        Assert.True(final.GetProperty("status").GetString() == "Succeeded", final.ToString());
        var finalStats = final.GetProperty("mailboxes")[0].GetProperty("result");
        Assert.Equal(0, finalStats.GetProperty("messagesTransferred").GetInt32());
        Assert.Equal(0, finalStats.GetProperty("missingOnDestination").GetInt32());
        Assert.Equal("GateReady", await JobPhaseAsync(Api, jobId));

        var mailboxes = await Api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}/mailboxes");
        Assert.Equal(50, mailboxes[0].GetProperty("lastDestinationCount").GetInt64());

        var runs = await Api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}/runs");
        Assert.Equal(new[] { "Final", "Delta", "Initial", "Preflight" }, runs.EnumerateArray().Select(r => r.GetProperty("kind").GetString()!).ToArray());

        // The final pass feeds the gate: every message is there, so it is ready for an ops lead.
        var gate = await Api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}/gate");
        Assert.Equal("ready", gate.GetProperty("state").GetString(), ignoreCase: true);
        Assert.Equal("perfect", gate.GetProperty("result").GetProperty("grade").GetString(), ignoreCase: true);
        // ...and the final run's per-mailbox statistics reach it (the source bytes the engine measured).
        Assert.True(gate.GetProperty("result").GetProperty("mailboxes")[0].GetProperty("sourceBytes").GetInt64() > 0, gate.ToString());
    }

    [Fact]
    public async Task Preflight_WithWrongPassword_FailsWithPlainWords()
    {
        var (user, _, dp) = NewPair(fixture.Source, fixture.Destination);
        var jobId = await CreateJobAsync(Api, fixture.Source, fixture.Destination);
        await AddMailboxAsync(Api, jobId, user, "not-the-password", user, dp);

        var run = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/preflight"));

        Assert.Equal("Failed", run.GetProperty("status").GetString());
        var message = run.GetProperty("mailboxes")[0].GetProperty("message").GetString()!;
        Assert.Contains($"authentication failed for {user} on the source", message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("password", run.GetProperty("message").GetString()!, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task FinalBeforeInitial_Returns409()
    {
        var (user, sp, dp) = NewPair(fixture.Source, fixture.Destination);
        var jobId = await CreateJobAsync(Api, fixture.Source, fixture.Destination);
        await AddMailboxAsync(Api, jobId, user, sp, user, dp);

        using var response = await Api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/sync", new { kind = "final" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("successful initial", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondRunOnActiveMailbox_Returns409_AndCancelStopsTheFirst()
    {
        var (user, sp, dp) = NewPair(fixture.Source, fixture.Destination);
        await SeedAsync(fixture.Source, user, "INBOX", 1500);
        var jobId = await CreateJobAsync(Api, fixture.Source, fixture.Destination);
        await AddMailboxAsync(Api, jobId, user, sp, user, dp);
        var first = await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" });

        using var second = await Api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/sync", new { kind = "delta" });

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("already active", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var cancel = await Api.PostAsync($"/api/migration/runs/{first}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var run = await WaitForRunAsync(Api, first);
        Assert.Equal("Cancelled", run.GetProperty("status").GetString());
    }

    [Fact]
    public async Task SyncOfCancelledJob_Returns409()
    {
        var (user, sp, dp) = NewPair(fixture.Source, fixture.Destination);
        var jobId = await CreateJobAsync(Api, fixture.Source, fixture.Destination);
        await AddMailboxAsync(Api, jobId, user, sp, user, dp);
        using (var cancel = await Api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/cancel", new { reason = "customer left" }))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        using var response = await Api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/sync", new { kind = "initial" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Log_ServesRanges_AndNeverContainsThePasswords()
    {
        var (user, sp, dp) = NewPair(fixture.Source, fixture.Destination);
        await SeedAsync(fixture.Source, user, "INBOX", 10);
        var jobId = await CreateJobAsync(Api, fixture.Source, fixture.Destination);
        await AddMailboxAsync(Api, jobId, user, sp, user, dp);
        var runId = await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" });
        await WaitForRunAsync(Api, runId);

        var full = await Api.GetByteArrayAsync($"/api/migration/runs/{runId}/log");
        var text = Encoding.UTF8.GetString(full);
        Assert.Contains(user, text, StringComparison.Ordinal);
        Assert.DoesNotContain(sp, text, StringComparison.Ordinal);
        Assert.DoesNotContain(dp, text, StringComparison.Ordinal);
        var logFile = Directory.GetFiles(Path.Combine(fixture.DataDir, "logs", jobId.ToString("N")), "*.log").Single();
        Assert.DoesNotContain(sp, await File.ReadAllTextAsync(logFile), StringComparison.Ordinal);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/migration/runs/{runId}/log");
        request.Headers.Range = new RangeHeaderValue(5, 24);
        using var response = await Api.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(full[5..25], await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
    }
}
