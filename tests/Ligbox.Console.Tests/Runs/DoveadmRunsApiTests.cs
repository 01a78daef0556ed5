using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;

namespace Ligbox.Console.Tests.Runs;

/// <summary>
/// A job on the doveadm engine through the API and the one run pipeline: the destination Dovecot is the one
/// whose configuration the console's doveadm is given (Tools:Doveadm:ConfigFile), real doveadm, real Dovecot.
/// </summary>
public class DoveadmRunsApiTests(DoveadmRunsApiTests.Fixture fixture) : IClassFixture<DoveadmRunsApiTests.Fixture>
{
    public sealed class Fixture : DovecotPairAppFactory
    {
        protected override IDictionary<string, string?> Settings
        {
            get
            {
                var settings = base.Settings;
                settings["Tools:Doveadm:ConfigFile"] = Destination.ConfigPath;
                return settings;
            }
        }
    }

    private HttpClient Api => fixture.Api;

    private async Task<Guid> CreateDoveadmJobAsync()
    {
        using var response = await Api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain = $"d{Guid.NewGuid():N}"[..12] + ".example.com",
            source = new { host = fixture.Source.Host, port = fixture.Source.Port, security = "None", auth = "Plain" },
            destination = new { host = fixture.Destination.Host, port = fixture.Destination.Port, security = "None", auth = "Plain" },
            engine = "Doveadm",
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var job = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Doveadm", job.GetProperty("engine").GetString());
        return job.GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task PreflightInitialDeltaFinal_RunOnDoveadm_AndTheJobReachesGateReady()
    {
        var (user, sp, dp) = NewPair(fixture.Source, fixture.Destination);
        await SeedAsync(fixture.Source, user, "INBOX", 20);
        await SeedAsync(fixture.Source, user, "Work", 5, "work");
        var jobId = await CreateDoveadmJobAsync();
        await AddMailboxAsync(Api, jobId, user, sp, user, dp);

        var preflight = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/preflight"));
        Assert.True(preflight.GetProperty("status").GetString() == "Succeeded", preflight.ToString());

        var initial = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" }));
        Assert.True(initial.GetProperty("status").GetString() == "Succeeded", initial.ToString());
        var result = initial.GetProperty("mailboxes")[0].GetProperty("result");
        Assert.Equal("doveadm", result.GetProperty("engine").GetString());
        Assert.Equal(25, result.GetProperty("messagesTransferred").GetInt32());
        Assert.Equal(20, await fixture.Destination.CountMessagesAsync(user, "INBOX"));

        await SeedAsync(fixture.Source, user, "INBOX", 3, "late");
        var delta = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "delta" }));
        Assert.True(delta.GetProperty("status").GetString() == "Succeeded", delta.ToString());
        Assert.Equal(3, delta.GetProperty("mailboxes")[0].GetProperty("result").GetProperty("messagesTransferred").GetInt32());

        var final = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "final" }));
        Assert.True(final.GetProperty("status").GetString() == "Succeeded", final.ToString());
        Assert.Equal(0, final.GetProperty("mailboxes")[0].GetProperty("result").GetProperty("missingOnDestination").GetInt32());
        Assert.Equal("GateReady", await JobPhaseAsync(Api, jobId));
    }

    [Fact]
    public async Task Preflight_FailsInPlainWords_WhenTheSourcePasswordIsWrong()
    {
        var (user, _, dp) = NewPair(fixture.Source, fixture.Destination);
        var jobId = await CreateDoveadmJobAsync();
        await AddMailboxAsync(Api, jobId, user, "wrong-password", user, dp);

        var preflight = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/preflight"));

        Assert.Equal("Failed", preflight.GetProperty("status").GetString());
        Assert.Contains("password", preflight.ToString(), StringComparison.OrdinalIgnoreCase);
    }
}
