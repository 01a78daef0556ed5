using System.Net;
using System.Text.RegularExpressions;
using Ligbox.Core.Accounts;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Infrastructure;

/// <summary>
/// The real console (<see cref="Program"/>) on a private temp data directory: its own SQLite file,
/// keys and uploads, deleted on dispose. Nothing is faked; the first admin comes from
/// <see cref="AdminEmail"/>/<see cref="AdminPassword"/> as an operator would configure it.
/// <para>
/// Use it as an xunit class or collection fixture. In-memory mode (the default) serves
/// <see cref="WebApplicationFactory{TEntryPoint}.CreateClient()"/> and <see cref="WebApplicationFactory{TEntryPoint}.Services"/>;
/// <see cref="LigboxKestrelAppFactory"/> listens on a real loopback port for a browser (<see cref="ServerAddress"/>).
/// </para>
/// Helpers: <see cref="CreateUserAsync"/> (a user with a role), <see cref="CreateTokenAsync"/> (a bearer
/// token with scopes), <see cref="SignInAsync"/> (cookie sign-in of an HttpClient through the login form).
/// </summary>
public class LigboxAppFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminEmail = "admin@ligbox.test";
    public const string AdminPassword = "Admin-Passw0rd!";

    /// <summary>The password <see cref="CreateUserAsync"/> gives users when none is passed.</summary>
    public const string DefaultPassword = "Test-Passw0rd!";

    /// <summary>Jobs with a ticket id link to this (the <c>Ligbox:TicketUrlTemplate</c> setting).</summary>
    public const string TicketUrlTemplate = "https://helpdesk.example/tickets/{ticket}";

    public LigboxAppFactory()
        : this(Path.Combine(Path.GetTempPath(), "ligbox-tests", Guid.NewGuid().ToString("N")[..12]), ownsDataDir: true)
    {
    }

    /// <summary>
    /// The app on a data directory that outlives this host (a restarted console on the same data); the test
    /// that made it deletes it. Protected: an xunit fixture may have only one public constructor.
    /// </summary>
    protected LigboxAppFactory(string dataDir)
        : this(dataDir, ownsDataDir: false)
    {
    }

    /// <inheritdoc cref="LigboxAppFactory(string)"/>
    public static LigboxAppFactory OnSharedDataDir(string dataDir) => new(dataDir);

    private LigboxAppFactory(string dataDir, bool ownsDataDir)
    {
        DataDir = dataDir;
        _ownsDataDir = ownsDataDir;
        Directory.CreateDirectory(DataDir);
        // Don't follow redirects: tests want to see the 302 to the login page, not the page itself.
        ClientOptions.AllowAutoRedirect = false;
    }

    private readonly bool _ownsDataDir;

    /// <summary>The data directory of this host (database <c>ligbox.db</c>, <c>keys/</c>, <c>uploads/</c>…).</summary>
    public string DataDir { get; }

    /// <summary>The real address in Kestrel mode (e.g. <c>http://127.0.0.1:41234/</c>); throws in in-memory mode.</summary>
    public Uri ServerAddress
    {
        get
        {
            var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
            var first = addresses?.FirstOrDefault()
                ?? throw new InvalidOperationException("No server address: use LigboxKestrelAppFactory for a real port.");
            return new Uri(first.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/");
        }
    }

    /// <summary>Settings passed to the app as configuration; override to add or change one.</summary>
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Ligbox:DataDir"] = DataDir,
        ["Ligbox:Admin:Email"] = AdminEmail,
        ["Ligbox:Admin:Password"] = AdminPassword,
        ["Ligbox:TicketUrlTemplate"] = TicketUrlTemplate,
        ["Logging:LogLevel:Default"] = "Warning",
        // Test classes sign in many times a minute from one address; SignInRateLimitTests checks the real limits.
        ["Ligbox:SignIn:PermitsPerAddress"] = "100000",
        ["Ligbox:SignIn:PermitsPerAccount"] = "100000",
        // Schedule tests watch the real scheduler fire every 2 s; InputValidationTests checks the 15 min minimum.
        ["Ligbox:Schedules:MinInterval"] = "00:00:01",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // UseSetting (not ConfigureAppConfiguration) so the values are there when Program reads them.
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.UseEnvironment("Development");
    }

    /// <summary>Creates a user through <see cref="UserAdminService"/>, as an admin would.</summary>
    public async Task<UserDto> CreateUserAsync(string email, string role, string? password = null, string? displayName = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserAdminService>();
        return await users.CreateAsync(email, displayName ?? email.Split('@')[0], role, password ?? DefaultPassword, AdminEmail);
    }

    /// <summary>Creates an API token and returns its secret, for <c>Authorization: Bearer …</c>.</summary>
    public async Task<string> CreateTokenAsync(params string[] scopes)
    {
        await using var scope = Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<ApiTokenService>();
        var created = await tokens.CreateAsync($"test {string.Join(' ', scopes)}", scopes.Length > 0 ? scopes : Scopes.All, null, AdminEmail);
        return created.Secret;
    }

    /// <summary>A client that sends <c>Authorization: Bearer</c> with the given token secret.</summary>
    public HttpClient CreateBearerClient(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A client with a new API token holding these scopes.</summary>
    public async Task<HttpClient> CreateTokenClientAsync(params string[] scopes) => CreateBearerClient(await CreateTokenAsync(scopes));

    /// <summary>
    /// The people callers of a permission matrix: "anonymous", and a signed-in "technician",
    /// "ops_lead" and "admin" (the first two are created here).
    /// </summary>
    public async Task<Dictionary<string, HttpClient>> CreatePeopleClientsAsync()
    {
        await CreateUserAsync("tech@ligbox.test", Roles.Technician);
        await CreateUserAsync("lead@ligbox.test", Roles.OpsLead);
        return new()
        {
            ["anonymous"] = CreateClient(),
            ["technician"] = await SignInAsync("tech@ligbox.test", DefaultPassword),
            ["ops_lead"] = await SignInAsync("lead@ligbox.test", DefaultPassword),
            ["admin"] = await SignInAsync(AdminEmail, AdminPassword),
        };
    }

    /// <summary>
    /// A client signed in through the real login form (antiforgery token included); its cookie
    /// container keeps the auth cookie. Throws when the sign-in is refused.
    /// </summary>
    public async Task<HttpClient> SignInAsync(string email, string password)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var form = await client.GetStringAsync("/account/login");
        var token = Regex.Match(form, "name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"").Groups[1].Value;
        using var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = email,
            ["password"] = password,
            ["returnUrl"] = "/",
            ["__RequestVerificationToken"] = token,
        }));
        var location = response.Headers.Location?.ToString() ?? "";
        if (response.StatusCode != HttpStatusCode.Redirect || location.Contains("error=", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Sign-in of {email} failed: {(int)response.StatusCode} {location}");
        }

        return client;
    }

    /// <summary>Starts the host (migrations, roles, first admin) before the first test runs.</summary>
    public virtual Task InitializeAsync() =>
        // Off xunit's synchronization context: the host starts synchronously, and hosted services
        // that continue on a captured context would wait for a thread the start is blocking.
        Task.Run(() => _ = Services);

    async Task IAsyncLifetime.DisposeAsync()
    {
        // The virtual DisposeAsync, not base.DisposeAsync(): fixtures derived from this one override it to
        // stop what they started (Dovecot servers). Calling the base directly skipped those overrides, and
        // WebApplicationFactory.Dispose() afterwards returns early once disposed: their Dovecots were left
        // running after every test run.
        await DisposeAsync();
        // Pooled SQLite connections keep the file open; release them so the directory can go.
        SqliteConnection.ClearAllPools();
        // Closing connections removes SQLite's -wal/-shm files while we delete: retry briefly.
        for (var attempt = 1; _ownsDataDir && Directory.Exists(DataDir); attempt++)
        {
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException) when (attempt < 5)
            {
                await Task.Delay(200);
            }
            catch (IOException)
            {
                return; // Still held open; it is only a temp directory.
            }
        }
    }
}

/// <summary>The same host on real Kestrel (a free loopback port), for Playwright and other real clients.</summary>
public class LigboxKestrelAppFactory : LigboxAppFactory
{
    public LigboxKestrelAppFactory()
    {
        UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
    }

    /// <inheritdoc cref="LigboxAppFactory(string)"/>
    protected LigboxKestrelAppFactory(string dataDir)
        : base(dataDir)
    {
        UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
    }

    /// <summary>Kestrel mode must start explicitly; after this <see cref="LigboxAppFactory.ServerAddress"/> is set.</summary>
    public override Task InitializeAsync() => Task.Run(StartServer);
}
