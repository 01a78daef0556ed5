using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;

namespace Ligbox.Console.Tests.Runs;

/// <summary>
/// Issue 11: Test connection before saving changed job settings: the request's <c>source</c>/<c>destination</c> are
/// tried instead of the saved servers, with a mailbox's stored logins (what the settings dialog does), and a wrong
/// server setting is refused in plain words on its field (real Dovecot).
/// </summary>
public class ConnectionTestOverrideApiTests(ConnectionTestOverrideApiTests.Fixture fixture) : IClassFixture<ConnectionTestOverrideApiTests.Fixture>
{
    public sealed class Fixture : DovecotPairAppFactory;

    [Fact]
    public async Task ChangedServers_AreTriedBeforeSaving_WithAMailboxsStoredLogins()
    {
        var (user, sp, dp) = NewPair(fixture.Source, fixture.Destination);
        var jobId = await CreateJobAsync(fixture.Api, fixture.Source, fixture.Destination);
        var mailboxId = await AddMailboxAsync(fixture.Api, jobId, user, sp, user, dp);
        var source = new { host = fixture.Source.Host, port = fixture.Source.Port, security = "None", auth = "Plain" };

        // The saved destination's port changed to one where nothing listens: that is what is tried.
        var closedPort = ClosedPort();
        var wrong = await TestAsync(jobId, new { mailboxId, source, destination = new { host = fixture.Destination.Host, port = closedPort, security = "None", auth = "Plain" } });
        Assert.False(wrong.GetProperty("succeeded").GetBoolean());
        Assert.StartsWith("Logged in to", wrong.GetProperty("source").GetString());
        Assert.Contains($"{fixture.Destination.Host}:{closedPort} refused the connection on the destination", wrong.GetProperty("destination").GetString());

        // The right one, still unsaved: both logins succeed with the stored passwords.
        var right = await TestAsync(jobId, new { mailboxId, source, destination = new { host = fixture.Destination.Host, port = fixture.Destination.Port, security = "None", auth = "Plain" } });
        Assert.True(right.GetProperty("succeeded").GetBoolean(), right.ToString());

        // A server setting a save would refuse is refused the same way, on its field.
        using var refused = await fixture.Api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/test-connection",
            new { mailboxId, destination = new { host = "not a host!", port = 993, security = "Ssl", auth = "Plain" } });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("Enter the IMAP server's host name or IP address", await refused.Content.ReadAsStringAsync());

        // Nothing was saved: the job keeps its servers.
        var job = await fixture.Api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}");
        Assert.Equal(fixture.Destination.Port, job.GetProperty("destination").GetProperty("port").GetInt32());
    }

    private async Task<JsonElement> TestAsync(Guid jobId, object body)
    {
        using var response = await fixture.Api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/test-connection", body);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.OK, json.ToString());
        return json;
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
