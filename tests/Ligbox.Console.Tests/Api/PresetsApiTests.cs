using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;

namespace Ligbox.Console.Tests.Api;

/// <summary><c>GET /api/migration/presets</c> and a job's throttling through the jobs API.</summary>
public class PresetsApiTests(PresetsApiTests.Fixture fixture) : IClassFixture<PresetsApiTests.Fixture>
{
    public sealed class Fixture : LigboxAppFactory
    {
        public HttpClient Api { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Api = await CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        }
    }

    [Fact]
    public async Task ListsThePresets_WithWhatTheyFillIn()
    {
        var presets = await fixture.Api.GetFromJsonAsync<JsonElement>("/api/migration/presets");

        Assert.Equal(["microsoft365", "gmail", "dovecot", "zimbra", "cpanel", "custom"], presets.EnumerateArray().Select(p => p.GetProperty("id").GetString()));
        var gmail = presets.EnumerateArray().Single(p => p.GetProperty("id").GetString() == "gmail");
        Assert.Equal("imap.gmail.com", gmail.GetProperty("host").GetString());
        Assert.Equal("Ssl", gmail.GetProperty("security").GetString());
        Assert.Equal("XOAuth2", gmail.GetProperty("auth").GetString());
        Assert.Equal("Google", gmail.GetProperty("oAuthProvider").GetString());
        Assert.Contains("[Gmail]/All Mail", gmail.GetProperty("skipFolders").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(40_000, gmail.GetProperty("asSource").GetProperty("maxBytesPerSecond").GetInt64());
    }

    [Fact]
    public async Task CreateJob_KeepsTheThrottling_AndRefusesANonPositiveOneAsProblemJson()
    {
        using var created = await fixture.Api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain = "throttle-api.example",
            source = new { host = "outlook.office365.com", port = 993, security = "Ssl" },
            destination = new { host = "mail.ligbox.example", port = 993, security = "Ssl" },
            options = new { maxConcurrentMailboxes = 10, maxMessagesPerSecond = 4.0 },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var options = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("options");
        Assert.Equal(10, options.GetProperty("maxConcurrentMailboxes").GetInt32());
        Assert.Equal(4.0, options.GetProperty("maxMessagesPerSecond").GetDouble());

        using var refused = await fixture.Api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain = "throttle-bad.example",
            source = new { host = "imap.old.example", port = 993, security = "Ssl" },
            destination = new { host = "mail.ligbox.example", port = 993, security = "Ssl" },
            options = new { maxBytesPerSecond = 0 },
        });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("options.maxBytesPerSecond", await refused.Content.ReadAsStringAsync());
    }
}
