using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Ligbox.Console.Endpoints;
using Ligbox.Core.Uploads;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ligbox.Console.Tests.Uploads;

/// <summary>
/// A minimal app with only the tus endpoints on real Kestrel (127.0.0.1, free port), so the tests don't
/// depend on Program.cs. Users come from headers: X-Test-User (NameIdentifier), X-Test-Role (roles).
/// </summary>
internal sealed class TusTestServer : IAsyncDisposable
{
    public const string Policy = "can_manage_migration";
    public const string Prefix = "/api/migration/uploads";

    // Far below the uploaded files, so passing tests prove the endpoints lift Kestrel's body limit.
    public const long KestrelMaxRequestBodySize = 256 * 1024;

    private readonly WebApplication _app;

    private TusTestServer(WebApplication app, DirectoryInfo directory, ManualTimeProvider clock)
    {
        _app = app;
        Directory = directory;
        Clock = clock;
        BaseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public Uri BaseUrl { get; }

    public Uri Endpoint => new(BaseUrl, Prefix);

    public DirectoryInfo Directory { get; }

    public ManualTimeProvider Clock { get; }

    public TusUploadStore Store => _app.Services.GetRequiredService<TusUploadStore>();

    public RecordingCompletedHandler Completed => _app.Services.GetRequiredService<RecordingCompletedHandler>();

    public static async Task<TusTestServer> StartAsync(Action<UploadOptions>? configure = null, IFreeSpaceProvider? freeSpace = null)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("ligbox-tus-");
        var clock = new ManualTimeProvider();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Limits.MaxRequestBodySize = KestrelMaxRequestBodySize;
        });

        builder.Services.AddSingleton<TimeProvider>(clock);
        if (freeSpace is not null)
        {
            builder.Services.AddSingleton(freeSpace);
        }

        builder.Services.AddTusUploads(Path.Combine(directory.FullName, "uploads"));
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        builder.Services.AddSingleton<RecordingCompletedHandler>();
        builder.Services.AddSingleton<IUploadCompletedHandler>(sp => sp.GetRequiredService<RecordingCompletedHandler>());
        builder.Services.AddAuthentication(TestAuthHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TestAuthHandler>(TestAuthHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy.RequireAuthenticatedUser());

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapTusUploads(Policy);
        await app.StartAsync();
        return new TusTestServer(app, directory, clock);
    }

    /// <summary>A client for <paramref name="user"/> (null: anonymous) that speaks tus 1.0.0.</summary>
    public HttpClient CreateClient(string? user, string? role = null)
    {
        var client = new HttpClient { BaseAddress = BaseUrl };
        foreach (var (name, value) in TestHeaders(user, role))
        {
            client.DefaultRequestHeaders.Add(name, value);
        }

        client.DefaultRequestHeaders.Add("Tus-Resumable", "1.0.0");
        return client;
    }

    public static Dictionary<string, string> TestHeaders(string? user, string? role = null)
    {
        var headers = new Dictionary<string, string>();
        if (user is not null)
        {
            headers[TestAuthHandler.UserHeader] = user;
        }

        if (role is not null)
        {
            headers[TestAuthHandler.RoleHeader] = role;
        }

        return headers;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a dying request; the temp dir is cleaned by the OS.
        }
    }
}

internal sealed class TestAuthHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Test";
    public const string UserHeader = "X-Test-User";
    public const string RoleHeader = "X-Test-Role";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var user = Request.Headers[UserHeader].ToString();
        if (string.IsNullOrEmpty(user))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, user), new(ClaimTypes.Name, user) };
        claims.AddRange(Request.Headers[RoleHeader].ToString()
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(role => new Claim(ClaimTypes.Role, role)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }
}

internal sealed class RecordingCompletedHandler : IUploadCompletedHandler
{
    private readonly List<(UploadInfo Upload, string Path)> _calls = [];

    public IReadOnlyList<(UploadInfo Upload, string Path)> Calls
    {
        get
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }
    }

    public Task OnUploadCompletedAsync(UploadInfo upload, string dataFilePath, CancellationToken cancellationToken)
    {
        lock (_calls)
        {
            _calls.Add((upload, dataFilePath));
        }

        return Task.CompletedTask;
    }
}

/// <summary>A clock the test moves by hand (the app's TimeProvider), starting at the real time.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _utcTicks = DateTimeOffset.UtcNow.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _utcTicks, by.Ticks);
}
