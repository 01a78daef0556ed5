using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Xunit;
using static OpenIddict.Abstractions.OpenIddictConstants;
using Ligbox.Testing.Processes;

namespace Ligbox.Testing.OAuth;

/// <summary>
/// A real OAuth 2.0 / OpenID Connect authorization server for the tests, built with OpenIddict.Server on Kestrel at
/// 127.0.0.1 (a free port) with its stores in a SQLite file: authorization code with PKCE, refresh tokens, the
/// device authorization flow, revocation and token introspection (for Dovecot's <c>passdb oauth2</c>). The test
/// user "signs in" on a one-button consent page (<c>/connect/authorize</c>, the login given as <c>login_hint</c>)
/// or by entering a device's user code on <c>/connect/verify</c>. Access tokens are JWTs whose subject is the login.
/// </summary>
public sealed class OAuthAuthorizationServer : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>The client the console registers (confidential, PKCE required).</summary>
    public const string ClientId = "ligbox-console";
    public const string ClientSecret = "ligbox-console-secret";

    /// <summary>The resource server Dovecot introspects tokens as.</summary>
    public const string IntrospectionClientId = "dovecot";
    public const string IntrospectionClientSecret = "dovecot-introspection-secret";

    /// <summary>The scope mail access needs here (like Google's <c>https://mail.google.com/</c>).</summary>
    public const string MailScope = "imap";

    private readonly string _dir = Directory.CreateTempSubdirectory("lbx-oauth-").FullName;
    private WebApplication? _app;

    /// <summary>How long an access token lives (short ones test refreshing).</summary>
    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Redirect URIs the console's client may use (the console's callback).</summary>
    public IReadOnlyList<Uri> RedirectUris { get; init; } = [new("http://127.0.0.1/oauth/callback")];

    /// <summary>The issuer (and discovery document's base): <c>http://127.0.0.1:port/</c>.</summary>
    public Uri Issuer { get; private set; } = null!;

    /// <summary>The introspection endpoint with Dovecot's client credentials in it, as <c>introspection_url</c> takes it.</summary>
    public string IntrospectionUrlWithCredentials =>
        $"http://{IntrospectionClientId}:{IntrospectionClientSecret}@{Issuer.Authority}/connect/introspect";

    public async Task InitializeAsync()
    {
        var port = LoopbackPort.Free();
        Issuer = new Uri($"http://127.0.0.1:{port}/");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls(Issuer.ToString().TrimEnd('/'));
        builder.Services.AddDbContext<DbContext>(o =>
        {
            o.UseSqlite($"Data Source={Path.Combine(_dir, "oauth.db")}");
            o.UseOpenIddict();
        });
        builder.Services.AddAuthentication();
        builder.Services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<DbContext>())
            .AddServer(o =>
            {
                o.SetIssuer(Issuer);
                o.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetIntrospectionEndpointUris("connect/introspect")
                    .SetRevocationEndpointUris("connect/revoke")
                    .SetDeviceAuthorizationEndpointUris("connect/device")
                    .SetEndUserVerificationEndpointUris("connect/verify");
                o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange()
                    .AllowRefreshTokenFlow()
                    .AllowDeviceAuthorizationFlow();
                o.RegisterScopes(Scopes.OpenId, Scopes.Email, Scopes.OfflineAccess, MailScope);
                o.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
                o.DisableAccessTokenEncryption();
                o.SetAccessTokenLifetime(AccessTokenLifetime);
                o.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableEndUserVerificationEndpointPassthrough()
                    .DisableTransportSecurityRequirement();
            });

        _app = builder.Build();
        _app.MapMethods("/connect/authorize", ["GET", "POST"], (Delegate)AuthorizeAsync);
        _app.MapMethods("/connect/verify", ["GET", "POST"], (Delegate)VerifyAsync);

        await using (var scope = _app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<DbContext>().Database.EnsureCreatedAsync();
            var apps = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var console = new OpenIddictApplicationDescriptor
            {
                ClientId = ClientId,
                ClientSecret = ClientSecret,
                ClientType = ClientTypes.Confidential,
                ConsentType = ConsentTypes.Implicit,
                Permissions =
                {
                    Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.Revocation,
                    Permissions.Endpoints.DeviceAuthorization,
                    Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken, Permissions.GrantTypes.DeviceCode,
                    Permissions.ResponseTypes.Code,
                    Permissions.Scopes.Email, Permissions.Prefixes.Scope + MailScope,
                },
                Requirements = { Requirements.Features.ProofKeyForCodeExchange },
            };
            foreach (var uri in RedirectUris)
            {
                console.RedirectUris.Add(uri);
            }

            await apps.CreateAsync(console);
            await apps.CreateAsync(new OpenIddictApplicationDescriptor
            {
                ClientId = IntrospectionClientId,
                ClientSecret = IntrospectionClientSecret,
                ClientType = ClientTypes.Confidential,
                Permissions = { Permissions.Endpoints.Introspection },
            });
        }

        await _app.StartAsync();
    }

    // The consent page: GET shows one "Allow" button for the login in login_hint; POST (the button) signs that login in.
    private static IResult AuthorizeAsync(HttpContext context)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("not an OpenID Connect request");
        var login = request.LoginHint;
        if (string.IsNullOrEmpty(login))
        {
            return Results.BadRequest("login_hint (the mailbox's login) is required on this test server.");
        }

        if (!HttpMethods.IsPost(context.Request.Method) || (string?)request["consent"] != "allow")
        {
            var fields = string.Concat(request.GetParameters().Select(p =>
                $"<input type=\"hidden\" name=\"{WebUtility.HtmlEncode(p.Key)}\" value=\"{WebUtility.HtmlEncode((string?)p.Value)}\">"));
            return Results.Content(
                $"<!doctype html><html><body><h1>Test authorization server</h1><p>Allow Ligbox to read and write the mail of <b>{WebUtility.HtmlEncode(login)}</b>?</p>"
                + $"<form method=\"post\" action=\"/connect/authorize\">{fields}<button type=\"submit\" name=\"consent\" value=\"allow\" id=\"allow\">Allow</button></form></body></html>",
                "text/html");
        }

        return Results.SignIn(Principal(login, request.GetScopes()), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    // Device flow: POST user_code + login approves the device code that user code belongs to.
    private static async Task<IResult> VerifyAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (!result.Succeeded || string.IsNullOrEmpty(result.Principal?.GetClaim(Claims.ClientId)))
        {
            return Results.BadRequest("unknown or expired user_code");
        }

        var login = (string?)context.GetOpenIddictServerRequest()?["login"];
        if (string.IsNullOrEmpty(login))
        {
            return Results.Content("<!doctype html><html><body><form method=\"post\"><input name=\"login\"><button type=\"submit\">Allow</button></form></body></html>", "text/html");
        }

        return Results.SignIn(Principal(login, result.Principal!.GetScopes()), new AuthenticationProperties { RedirectUri = "/" },
            OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static ClaimsPrincipal Principal(string login, IEnumerable<string> scopes)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, login).SetClaim(Claims.Email, login).SetClaim(Claims.Name, login);
        identity.SetScopes(scopes);
        identity.SetResources(IntrospectionClientId);
        identity.SetDestinations(_ => [Destinations.AccessToken]);
        return new ClaimsPrincipal(identity);
    }

    /// <summary>
    /// What a user does in the browser on the consent link: opens it and presses Allow. Returns where the server
    /// redirects (the console's callback with <c>code</c> and <c>state</c>).
    /// </summary>
    public async Task<Uri> ConsentAsync(string authorizationUrl)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var page = await http.GetStringAsync(authorizationUrl);
        Assert.Contains("Allow", page);
        var form = System.Web.HttpUtility.ParseQueryString(new Uri(authorizationUrl).Query);
        var fields = form.AllKeys.OfType<string>().Select(k => new KeyValuePair<string, string>(k, form[k]!)).Append(new("consent", "allow"));
        using var response = await http.PostAsync(new Uri(Issuer, "connect/authorize"), new FormUrlEncodedContent(fields));
        return response.Headers.Location ?? throw new InvalidOperationException($"no redirect after consent: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>What an admin does on the verification page: enters the user code and approves it for <paramref name="login"/>.</summary>
    public async Task ApproveDeviceAsync(string userCode, string login)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var response = await http.PostAsync(new Uri(Issuer, "connect/verify"),
            new FormUrlEncodedContent([new("user_code", userCode), new("login", login)]));
        if ((int)response.StatusCode >= 400)
        {
            throw new InvalidOperationException($"the device approval failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    private static class TokenValidationParameters
    {
        public const string DefaultAuthenticationType = "AuthenticationTypes.Federation";
    }
}
