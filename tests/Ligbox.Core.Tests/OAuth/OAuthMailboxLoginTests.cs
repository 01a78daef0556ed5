using Ligbox.Core.OAuth;
using Ligbox.Testing.Dovecot;
using Ligbox.Testing.Imapsync;
using Ligbox.Testing.OAuth;
using Ligbox.Tools.Imapsync;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Processes;
using MailKit;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Tests.OAuth;

/// <summary>
/// OAuth 2.0 end to end against real parts: a local OpenIddict authorization server issues, refreshes and revokes tokens
/// for the console's <see cref="OAuthClient"/> (authorization code with PKCE after a consent, device authorization), and a
/// real Dovecot with <c>passdb oauth2</c> validates them through the server's introspection endpoint when the native engine
/// logs in with XOAUTH2 or OAUTHBEARER and when the real imapsync logs in with its token file.
/// </summary>
public sealed class OAuthMailboxLoginTests : IAsyncLifetime
{
    private const string User = "olga@example.com";
    private const string RedirectUri = "http://127.0.0.1/oauth/callback";
    private readonly string _work = Directory.CreateTempSubdirectory("lbx-oauth-test-").FullName;
    private readonly OAuthAuthorizationServer _authServer = new() { AccessTokenLifetime = TimeSpan.FromSeconds(20) };
    private readonly HttpClient _http = new();
    private DovecotServer _source = null!;
    private readonly DovecotServer _destination = new();

    private OAuthClient Client => new(_http, TimeProvider.System);

    private OAuthClientSettings Settings => new(OAuthProviderKind.OpenIdConnect, _authServer.Issuer.ToString(),
        OAuthAuthorizationServer.ClientId, OAuthAuthorizationServer.ClientSecret, $"openid offline_access {OAuthAuthorizationServer.MailScope}");

    public async Task InitializeAsync()
    {
        await _authServer.InitializeAsync();
        _source = new DovecotServer(new DovecotServerOptions { OAuth2IntrospectionUrl = _authServer.IntrospectionUrlWithCredentials });
        await Task.WhenAll(_source.StartAsync(), _destination.StartAsync());
        // The password only seeds the source; the migration logs in with tokens.
        _source.AddUser(User, "seed-only-" + Guid.NewGuid().ToString("N"));
        _destination.AddUser(User, "dst-pw");
        await _source.SeedMaildirAsync(User, "INBOX", Enumerable.Range(0, 3).Select(i =>
            new SeedRawMessage(TestMessages.ToBytes(TestMessages.Create($"oauth {i}")), DateTimeOffset.UtcNow.AddDays(-i), MessageFlags.Seen)));
    }

    public async Task DisposeAsync()
    {
        _source.Dispose();
        _destination.Dispose();
        _http.Dispose();
        await _authServer.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    private async Task<OAuthTokens> ConsentAsync()
    {
        var request = await Client.BeginAuthorizationAsync(Settings, RedirectUri, User);
        Assert.Contains("code_challenge_method=S256", request.Url);
        // The user opens the link and presses Allow; the provider redirects to the console's callback with the code.
        var callback = await _authServer.ConsentAsync(request.Url);
        var query = System.Web.HttpUtility.ParseQueryString(callback.Query);
        Assert.Equal(request.State, query["state"]);
        return await Client.ExchangeCodeAsync(Settings, query["code"]!, request.CodeVerifier, RedirectUri);
    }

    private ImapEndpoint Source(string token, ImapAuthMechanism mechanism = ImapAuthMechanism.XOAuth2) =>
        new(_source.Host, _source.Port, ImapSecurity.None, User, token, mechanism);

    [Fact]
    public async Task ConsentWithPkce_GivesATokenTheNativeEngineMigratesWith_OverXOAuth2()
    {
        var tokens = await ConsentAsync();
        Assert.NotNull(tokens.RefreshToken);

        var statistics = await new NativeImapSyncEngine(new NativeImapOptions()).SyncAsync(new SyncRequest
        {
            Source = Source(tokens.AccessToken),
            Destination = new ImapEndpoint(_destination.Host, _destination.Port, ImapSecurity.None, User, "dst-pw"),
            Kind = SyncKind.Initial,
        }, new InMemorySyncStateStore());

        Assert.Equal(0, statistics.Errors);
        Assert.Equal(3, await _destination.CountMessagesAsync(User, "INBOX"));
    }

    [Fact]
    public async Task TheSameToken_LogsInWithOAuthBearer_AndAMadeUpTokenIsRefusedInPlainWords()
    {
        var tokens = await ConsentAsync();
        var connector = new ImapConnector(new NativeImapOptions(), new ImapCommandCounter());

        using (await connector.OpenAsync(Source(tokens.AccessToken, ImapAuthMechanism.OAuthBearer), ImapSide.Source))
        {
        }

        var ex = await Assert.ThrowsAsync<ImapSyncException>(() => connector.OpenAsync(Source("not-a-token"), ImapSide.Source));
        Assert.Equal(ImapFailureKind.AuthenticationFailed, ex.Failure.Kind);
        Assert.Contains("the access token was rejected", ex.Message);
    }

    [Fact]
    public async Task DeviceAuthorization_AnAdminApprovesTheUserCode_ThenThePollGetsATokenThatLogsIn()
    {
        var device = await Client.BeginDeviceAuthorizationAsync(Settings);
        Assert.Null(await Client.PollDeviceAuthorizationAsync(Settings, device.DeviceCode)); // pending until approved

        await _authServer.ApproveDeviceAsync(device.UserCode, User);
        var tokens = await Client.PollDeviceAuthorizationAsync(Settings, device.DeviceCode);

        Assert.NotNull(tokens);
        var connector = new ImapConnector(new NativeImapOptions(), new ImapCommandCounter());
        using var connection = await connector.OpenAsync(Source(tokens.AccessToken), ImapSide.Source);
    }

    [Fact]
    public async Task Refresh_GivesANewAccessTokenThatLogsIn()
    {
        var first = await ConsentAsync();
        Assert.True(first.ExpiresWithin(TimeSpan.FromSeconds(25), DateTimeOffset.UtcNow), "the test server issues 20 s tokens");

        var refreshed = await Client.RefreshAsync(Settings, first.RefreshToken!);

        Assert.NotEqual(first.AccessToken, refreshed.AccessToken);
        var connector = new ImapConnector(new NativeImapOptions(), new ImapCommandCounter());
        using var connection = await connector.OpenAsync(Source(refreshed.AccessToken), ImapSide.Source);
    }

    [Fact]
    public async Task RevokedConsent_TheLoginIsRefused_AndTheRefreshSaysToConsentAgain()
    {
        var tokens = await ConsentAsync();
        await Client.RevokeAsync(Settings, tokens.RefreshToken!);
        await Client.RevokeAsync(Settings, tokens.AccessToken);

        var connector = new ImapConnector(new NativeImapOptions(), new ImapCommandCounter());
        var login = await Assert.ThrowsAsync<ImapSyncException>(() => connector.OpenAsync(Source(tokens.AccessToken), ImapSide.Source));
        Assert.Contains($"authentication failed for {User}", login.Message);
        var refresh = await Assert.ThrowsAsync<OAuthConsentRevokedException>(() => Client.RefreshAsync(Settings, tokens.RefreshToken!));
        Assert.Contains("must consent again", refresh.Message);
    }

    [Fact]
    public async Task RealImapsync_LogsInWithTheTokenFromIts0600File_AndMigrates()
    {
        var tokens = await ConsentAsync();
        var runner = new ImapsyncRunner(new CliWrapProcessRunner(), Options.Create(new ImapsyncSettings
        {
            ImapsyncPath = RealImapsync.Path,
            LogDirectory = Path.Combine(_work, "logs"),
            WorkDirectory = Path.Combine(_work, "private"),
        }));

        var result = await runner.RunAsync(new ImapsyncOptions
        {
            Host1 = new ImapsyncEndpoint { Host = _source.Host, Port = _source.Port, User = User, Password = tokens.AccessToken, PasswordIsOAuthAccessToken = true },
            Host2 = new ImapsyncEndpoint { Host = _destination.Host, Port = _destination.Port, User = User, Password = "dst-pw" },
        });

        var log = File.ReadAllText(result.LogFilePath!);
        Assert.True(result.ExitCode == 0, log);
        Assert.Contains("--oauthaccesstoken1", log);
        Assert.DoesNotContain(tokens.AccessToken, log, StringComparison.Ordinal);
        Assert.Equal(3, await _destination.CountMessagesAsync(User, "INBOX"));
    }
}
