using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Dovecot;
using Ligbox.Testing.Imapsync;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;

namespace Ligbox.Console.Tests.AdminLogin;

/// <summary>
/// A host migrates a domain with one admin credential per side: the job's admin logins (master user on the source,
/// SASL PLAIN proxy authorization on the destination), a mailbox CSV without passwords, the run pipeline through the
/// API, real Dovecot servers with master users, the native engine and the real imapsync.
/// </summary>
public class AdminLoginRunsApiTests(AdminLoginRunsApiTests.Fixture fixture) : IClassFixture<AdminLoginRunsApiTests.Fixture>
{
    public sealed class Fixture : LigboxAppFactory
    {
        public DovecotServer Source { get; } = new(new DovecotServerOptions { MasterUser = new("migrator", "src-admin-pw") });

        public DovecotServer Destination { get; } = new(new DovecotServerOptions { MasterUser = new("migrator", "dst-admin-pw") });

        public HttpClient Api { get; private set; } = null!;

        protected override IDictionary<string, string?> Settings
        {
            get
            {
                var settings = base.Settings;
                settings["Tools:Imapsync:ImapsyncPath"] = RealImapsync.Path;
                return settings;
            }
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

    private HttpClient Api => fixture.Api;

    private async Task<JsonElement> CreateJobAsync(string engine, string sourceAdminPassword = "src-admin-pw")
    {
        using var response = await Api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain = $"m{Guid.NewGuid():N}"[..12] + ".example.com",
            source = new { host = fixture.Source.Host, port = fixture.Source.Port, security = "None", auth = "Plain", adminLogin = "migrator", adminMode = "MasterUser", adminPassword = sourceAdminPassword },
            destination = new { host = fixture.Destination.Host, port = fixture.Destination.Port, security = "None", auth = "Plain", adminLogin = "migrator", adminMode = "ProxyAuth", adminPassword = "dst-admin-pw" },
            engine,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Three users whose own passwords the console never gets, with 2, 3 and 4 messages on the source.</summary>
    private async Task<string[]> UsersAsync()
    {
        var users = Enumerable.Range(0, 3).Select(_ => $"u{Guid.NewGuid():N}"[..10] + "@example.com").ToArray();
        foreach (var (user, i) in users.Select((u, i) => (u, i)))
        {
            fixture.Source.AddUser(user, $"own-{Guid.NewGuid():N}");
            fixture.Destination.AddUser(user, $"own-{Guid.NewGuid():N}");
            await SeedAsync(fixture.Source, user, "INBOX", i + 2);
        }

        return users;
    }

    private async Task ImportWithoutPasswordsAsync(Guid jobId, string[] users)
    {
        var csv = "source_user,dest_user\n" + string.Join('\n', users.Select(u => $"{u},{u}"));
        using var response = await Api.PostAsync($"/api/migration/jobs/{jobId}/mailboxes/import", new StringContent(csv, Encoding.UTF8, "text/csv"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("Native")]
    [InlineData("Imapsync")]
    public async Task ThreeMailboxes_MigrateWithOneAdminCredentialPerSide_FromACsvWithoutPasswords(string engine)
    {
        var users = await UsersAsync();
        var job = await CreateJobAsync(engine);
        var jobId = job.GetProperty("id").GetGuid();
        await ImportWithoutPasswordsAsync(jobId, users);

        var initial = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" }));

        Assert.True(initial.GetProperty("status").GetString() == "Succeeded", initial.ToString());
        foreach (var (user, i) in users.Select((u, i) => (u, i)))
        {
            Assert.Equal(i + 2, await fixture.Destination.CountMessagesAsync(user, "INBOX"));
        }

        // The admin password is write-only: the job says one is stored, never what it is.
        var source = job.GetProperty("source");
        Assert.Equal(("migrator", "MasterUser", true), (source.GetProperty("adminLogin").GetString(), source.GetProperty("adminMode").GetString(), source.GetProperty("hasAdminPassword").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, source.GetProperty("adminPassword").ValueKind);
        Assert.DoesNotContain("admin-pw", job.ToString());
        Assert.DoesNotContain("admin-pw", initial.ToString());
    }

    [Fact]
    public async Task Preflight_SaysTheAdminLoginFailed_WhenTheAdminPasswordIsWrong()
    {
        var users = await UsersAsync();
        var jobId = (await CreateJobAsync("Native", sourceAdminPassword: "wrong-admin-pw")).GetProperty("id").GetGuid();
        await ImportWithoutPasswordsAsync(jobId, users[..1]);

        var preflight = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/preflight"));

        Assert.Equal("Failed", preflight.GetProperty("status").GetString());
        Assert.Contains($"the admin login migrator could not log in as {users[0]} on the source", preflight.ToString());
        Assert.DoesNotContain("wrong-admin-pw", preflight.ToString());
    }

    [Fact]
    public async Task Csv_StillNeedsThePasswordsOfASideWithoutAdminLogin()
    {
        using var created = await Api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain = $"m{Guid.NewGuid():N}"[..12] + ".example.com",
            source = new { host = fixture.Source.Host, port = fixture.Source.Port, security = "None", adminLogin = "migrator", adminPassword = "src-admin-pw" },
            destination = new { host = fixture.Destination.Host, port = fixture.Destination.Port, security = "None" },
        });
        var jobId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        using var response = await Api.PostAsync($"/api/migration/jobs/{jobId}/mailboxes/import",
            new StringContent("source_user,dest_user\nana@example.com,ana@example.com", Encoding.UTF8, "text/csv"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("missing dest_password", await response.Content.ReadAsStringAsync());
    }
}
