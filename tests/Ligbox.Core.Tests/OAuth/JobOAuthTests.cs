using System.Text;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.OAuth;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Core.Tests.Infrastructure;
using Ligbox.Testing.Dovecot;
using Ligbox.Testing.Imapsync;
using Ligbox.Testing.OAuth;
using Ligbox.Tools.NativeImap;
using MailKit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Core.Tests.OAuth;

/// <summary>
/// OAuth 2.0 from the console (issue 15) on real parts: the Core services on a real SQLite file, a real OpenIddict
/// authorization server (consent with PKCE, device flow, refresh, revocation) and a real Dovecot whose <c>passdb oauth2</c>
/// checks every token at the server's introspection endpoint; the runs use the real native engine (and real imapsync).
/// </summary>
[Collection(OAuthRunsCollection.Name)]
public sealed class JobOAuthTests : IAsyncLifetime
{
    private const string Olga = "olga@example.com";
    private const string Pia = "pia@example.com";
    private const string RedirectUri = "http://127.0.0.1/oauth/callback";
    private const string UserKey = "user-1";
    private readonly OAuthAuthorizationServer _authServer = new();
    private readonly HttpClient _http = new();
    private DovecotServer _source = null!;
    private readonly DovecotServer _destination = new();
    private CoreHost _host = null!;

    public async Task InitializeAsync()
    {
        await _authServer.InitializeAsync();
        _source = new DovecotServer(new DovecotServerOptions { OAuth2IntrospectionUrl = _authServer.IntrospectionUrlWithCredentials });
        await Task.WhenAll(_source.StartAsync(), _destination.StartAsync());
        foreach (var user in new[] { Olga, Pia })
        {
            // The password only seeds the source; the console logs in with tokens.
            _source.AddUser(user, "seed-only-" + Guid.NewGuid().ToString("N"));
            _destination.AddUser(user, "dst-pw");
            await _source.SeedMaildirAsync(user, "INBOX", Enumerable.Range(0, 3).Select(i =>
                new SeedRawMessage(TestMessages.ToBytes(TestMessages.Create($"{user} {i}")), DateTimeOffset.UtcNow.AddDays(-i), MessageFlags.Seen)));
        }

        _host = await CoreHost.StartAsync(new Dictionary<string, string?> { ["Tools:Imapsync:ImapsyncPath"] = RealImapsync.Path });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _source.Dispose();
        _destination.Dispose();
        _http.Dispose();
        await _authServer.DisposeAsync();
    }

    private OAuthSettingsModel Settings => new()
    {
        Provider = OAuthProviderKind.OpenIdConnect,
        Authority = _authServer.Issuer.ToString(),
        ClientId = OAuthAuthorizationServer.ClientId,
        ClientSecret = OAuthAuthorizationServer.ClientSecret,
        Scopes = $"openid offline_access {OAuthAuthorizationServer.MailScope}",
    };

    private async Task<(Guid JobId, Dictionary<string, Guid> Mailboxes)> JobAsync(SyncEngineKind engine = SyncEngineKind.Native, params string[] users)
    {
        await using var scope = _host.Scope();
        var job = await _host.Get<JobService>(scope).CreateAsync(new CreateJobRequest
        {
            Domain = "example.com",
            Engine = engine,
            Source = new() { Host = _source.Host, Port = _source.Port, Security = ImapSecurityMode.None, Auth = ImapAuthMode.XOAuth2 },
            Destination = new() { Host = _destination.Host, Port = _destination.Port, Security = ImapSecurityMode.None },
        }, "tech@test");
        var mailboxes = new Dictionary<string, Guid>();
        foreach (var user in users.Length == 0 ? [Olga] : users)
        {
            // The source logs in with OAuth 2.0: no source password is asked for.
            var m = await _host.Get<MailboxService>(scope).AddAsync(job.Id, new AddMailboxRequest { SourceUser = user, DestUser = user, DestPassword = "dst-pw" }, "tech@test");
            mailboxes[user] = m.Id;
        }

        await _host.Get<OAuthService>(scope).SaveSettingsAsync(job.Id, ImapSide.Source, Settings, "tech@test");
        return (job.Id, mailboxes);
    }

    /// <summary>What the technician's browser does: Authorize, Allow on the provider's page, back to the console's callback.</summary>
    private async Task<ConsentOutcome> AuthorizeAsync(Guid jobId, Guid mailboxId)
    {
        await using var scope = _host.Scope();
        var oauth = _host.Get<OAuthService>(scope);
        var (url, state) = await oauth.BeginConsentAsync(jobId, mailboxId, ImapSide.Source, RedirectUri, UserKey);
        Assert.Contains("code_challenge_method=S256", url);
        var callback = System.Web.HttpUtility.ParseQueryString((await _authServer.ConsentAsync(url)).Query);
        Assert.Equal(state, callback["state"]);
        return await oauth.CompleteConsentAsync(callback["state"], callback["code"], null, null, UserKey, "tech@test");
    }

    private async Task<MailboxOAuthToken> StoredTokenAsync(Guid mailboxId)
    {
        await using var db = await _host.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>().CreateDbContextAsync();
        return await db.Set<MailboxOAuthToken>().AsNoTracking().SingleAsync(t => t.MailboxId == mailboxId);
    }

    private async Task<(RunDto Run, string Log)> RunInitialAsync(Guid jobId)
    {
        await using var scope = _host.Scope();
        var runs = _host.Get<RunService>(scope);
        var run = await runs.StartSyncAsync(jobId, SyncRunKind.Initial, null, false, "tech@test");
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while ((run = await runs.GetAsync(run.Id)).IsActive && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        return (run, string.Join('\n', await runs.ReadLogTailAsync(run.Id, 500)));
    }

    /// <summary>The access and refresh tokens as the provider gave them (read back through the console's own key ring).</summary>
    private async Task<(string Access, string? Refresh)> PlainTokensAsync(Guid mailboxId)
    {
        var row = await StoredTokenAsync(mailboxId);
        var protector = _host.Services.GetRequiredService<Ligbox.Core.Security.SecretProtector>();
        return (protector.Unprotect(row.AccessTokenProtected!), row.RefreshTokenProtected is null ? null : protector.Unprotect(row.RefreshTokenProtected));
    }

    private OAuthClient Client => new(_http, TimeProvider.System);

    private OAuthClientSettings ClientSettings => new(OAuthProviderKind.OpenIdConnect, _authServer.Issuer.ToString(), OAuthAuthorizationServer.ClientId,
        OAuthAuthorizationServer.ClientSecret, Settings.Scopes);

    [Fact]
    public async Task SettingsAndTokens_AreStoredEncrypted_TheSqliteFileHoldsNoSecret_AndTheMailboxReadsAuthorized()
    {
        var (jobId, mailboxes) = await JobAsync();

        await AuthorizeAsync(jobId, mailboxes[Olga]);

        await using var scope = _host.Scope();
        var oauth = _host.Get<OAuthService>(scope);
        var settings = Assert.Single(await oauth.GetSettingsAsync(jobId));
        Assert.True(settings.HasClientSecret);
        Assert.Equal(OAuthAuthorizationServer.ClientId, settings.ClientId);
        var authorization = Assert.Single(await oauth.ListAuthorizationsAsync(jobId));
        Assert.Equal(MailboxOAuthState.Authorized, authorization.State);
        Assert.True(authorization.RenewsItself);
        Assert.True(authorization.ExpiresAtUtc > DateTime.UtcNow);
        var (access, refresh) = await PlainTokensAsync(mailboxes[Olga]);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var files = Directory.GetFiles(_host.DataDir, "ligbox.db*");
        var raw = string.Concat(files.Select(f => Encoding.Latin1.GetString(File.ReadAllBytes(f))));
        Assert.Contains("JobOAuthSettings", raw); // the file is the database that holds them
        Assert.DoesNotContain(OAuthAuthorizationServer.ClientSecret, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(access, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(refresh!, raw, StringComparison.Ordinal);
        var audit = await _host.Get<Ligbox.Core.Audit.AuditLog>(scope).ListAsync(jobId);
        Assert.Contains(audit, a => a.Action == "oauth.authorized" && Ligbox.Core.Audit.AuditSentences.Describe(a) == $"tech@test authorized {Olga} on the source with OAuth 2.0.");
        Assert.All(audit, a => Assert.DoesNotContain(OAuthAuthorizationServer.ClientSecret, a.Details ?? "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARun_MigratesWithTheConsentedToken_OverXOAuth2_WithNoPasswordAnywhere()
    {
        var (jobId, mailboxes) = await JobAsync();
        var before = await RunInitialAsync(jobId);
        Assert.Equal(RunStatus.Failed, before.Run.Status);
        Assert.Contains($"{Olga} is not authorized on the source yet: open the job page and press Authorize", before.Run.Message);

        await AuthorizeAsync(jobId, mailboxes[Olga]);
        var (run, log) = await RunInitialAsync(jobId);

        Assert.True(run.Status == RunStatus.Succeeded, run.Message + "\n" + log);
        Assert.Equal(3, await _destination.CountMessagesAsync(Olga, "INBOX"));
        var (access, refresh) = await PlainTokensAsync(mailboxes[Olga]);
        Assert.DoesNotContain(access, log, StringComparison.Ordinal);
        Assert.DoesNotContain(refresh!, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALoginRefusedWithTheStoredToken_IsRenewedOnce_AndTheMailboxMigrates()
    {
        var (jobId, mailboxes) = await JobAsync();
        await AuthorizeAsync(jobId, mailboxes[Olga]);
        var (access, _) = await PlainTokensAsync(mailboxes[Olga]);
        // The provider withdrew this access token (still 30 minutes "fresh" by its expiry): Dovecot refuses it.
        await Client.RevokeAsync(ClientSettings, access);

        var (run, log) = await RunInitialAsync(jobId);

        Assert.True(run.Status == RunStatus.Succeeded, run.Message + "\n" + log);
        Assert.Contains("The source refused the OAuth 2.0 access token: getting a new one and trying once more.", log);
        Assert.Contains("Renewed the source's OAuth 2.0 access token.", log);
        Assert.NotEqual(access, (await PlainTokensAsync(mailboxes[Olga])).Access);
        Assert.Equal(3, await _destination.CountMessagesAsync(Olga, "INBOX"));
    }

    [Fact]
    public async Task ARevokedConsent_FailsThatMailboxAlone_WithAPlainWordToAuthorizeAgain()
    {
        var (jobId, mailboxes) = await JobAsync(SyncEngineKind.Native, Olga, Pia);
        await AuthorizeAsync(jobId, mailboxes[Olga]);
        await AuthorizeAsync(jobId, mailboxes[Pia]);
        var (access, refresh) = await PlainTokensAsync(mailboxes[Olga]);
        // Olga's consent is withdrawn at the provider (both tokens revoked).
        await Client.RevokeAsync(ClientSettings, refresh!);
        await Client.RevokeAsync(ClientSettings, access);

        var (run, log) = await RunInitialAsync(jobId);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("1 of 2 mailbox(es) failed", run.Message);
        Assert.Contains($"{Olga} must be authorized again on the source: the provider refused to renew the access: the permission was revoked or has expired. " +
            "Open the job page and press Authorize for this mailbox, then run again.", run.Message);
        Assert.Equal(3, await _destination.CountMessagesAsync(Pia, "INBOX"));
        Assert.Equal(0, await _destination.CountMessagesAsync(Olga, "INBOX"));
        await using var scope = _host.Scope();
        var states = (await _host.Get<OAuthService>(scope).ListAuthorizationsAsync(jobId)).ToDictionary(a => a.Login);
        Assert.Equal(MailboxOAuthState.Failed, states[Olga].State);
        Assert.Equal(MailboxOAuthState.Authorized, states[Pia].State);
        var olga = (await _host.Get<MailboxService>(scope).ListAsync(jobId)).Single(m => m.SourceLogin == Olga);
        Assert.Equal(MailboxStatus.Failed, olga.Status);
        Assert.Contains("press Authorize", olga.StatusMessage);
        Assert.DoesNotContain(access, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RealImapsync_MigratesWithTheConsentedToken()
    {
        var (jobId, mailboxes) = await JobAsync(SyncEngineKind.Imapsync);
        await AuthorizeAsync(jobId, mailboxes[Olga]);

        var (run, log) = await RunInitialAsync(jobId);

        Assert.True(run.Status == RunStatus.Succeeded, run.Message + "\n" + log);
        Assert.Equal(3, await _destination.CountMessagesAsync(Olga, "INBOX"));
        Assert.DoesNotContain((await PlainTokensAsync(mailboxes[Olga])).Access, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeviceFlow_AnAdminEntersTheCode_AndTheMailboxIsAuthorized()
    {
        var (jobId, mailboxes) = await JobAsync();
        await using var scope = _host.Scope();
        var oauth = _host.Get<OAuthService>(scope);

        var device = await oauth.BeginDeviceAsync(jobId, mailboxes[Olga], ImapSide.Source, "tech@test");
        var waiting = oauth.WaitForDeviceAsync(device.RequestId);
        await _authServer.ApproveDeviceAsync(device.UserCode, Olga);
        var outcome = await waiting.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(Olga, outcome.Login);
        Assert.Equal(MailboxOAuthState.Authorized, Assert.Single(await oauth.ListAuthorizationsAsync(jobId)).State);
    }

    [Fact]
    public async Task TheCallback_RefusesAnotherUsersOrAReplayedState_AndUnknownSettings()
    {
        var (jobId, mailboxes) = await JobAsync();
        await using var scope = _host.Scope();
        var oauth = _host.Get<OAuthService>(scope);
        var (url, state) = await oauth.BeginConsentAsync(jobId, mailboxes[Olga], ImapSide.Source, RedirectUri, UserKey);
        var code = System.Web.HttpUtility.ParseQueryString((await _authServer.ConsentAsync(url)).Query)["code"];

        var stranger = await Assert.ThrowsAsync<OAuthConsentFailedException>(() => oauth.CompleteConsentAsync(state, code, null, null, "someone-else", "eve@test"));
        var replay = await Assert.ThrowsAsync<OAuthConsentFailedException>(() => oauth.CompleteConsentAsync(state, code, null, null, UserKey, "tech@test"));
        var invalid = await Assert.ThrowsAsync<ValidationFailedException>(() => oauth.SaveSettingsAsync(jobId, ImapSide.Destination,
            new OAuthSettingsModel { Provider = OAuthProviderKind.OpenIdConnect, ClientId = "" }, "tech@test"));

        Assert.Contains("does not belong to a consent you started", stranger.Message);
        Assert.Contains("Press Authorize again", replay.Message);
        Assert.Equal(MailboxOAuthState.NotAuthorized, Assert.Single(await oauth.ListAuthorizationsAsync(jobId)).State);
        Assert.Contains("choose XOAuth2", Assert.Single(invalid.Errors["side"]));
        Assert.Single(invalid.Errors["clientId"]);
        Assert.Single(invalid.Errors["authority"]);
    }
}

/// <summary>Access tokens of a few seconds: a run renews one that is about to expire before it logs in.</summary>
[Collection(OAuthRunsCollection.Name)]
public sealed class JobOAuthRenewalTests : IAsyncLifetime
{
    private const string Olga = "olga@example.com";
    private readonly OAuthAuthorizationServer _authServer = new() { AccessTokenLifetime = TimeSpan.FromSeconds(8) };
    private DovecotServer _source = null!;
    private readonly DovecotServer _destination = new();
    private CoreHost _host = null!;

    public async Task InitializeAsync()
    {
        await _authServer.InitializeAsync();
        _source = new DovecotServer(new DovecotServerOptions { OAuth2IntrospectionUrl = _authServer.IntrospectionUrlWithCredentials });
        await Task.WhenAll(_source.StartAsync(), _destination.StartAsync());
        _source.AddUser(Olga, "seed-only-" + Guid.NewGuid().ToString("N"));
        _destination.AddUser(Olga, "dst-pw");
        await _source.SeedMaildirAsync(Olga, "INBOX", Enumerable.Range(0, 3).Select(i =>
            new SeedRawMessage(TestMessages.ToBytes(TestMessages.Create($"renew {i}")), DateTimeOffset.UtcNow.AddDays(-i), MessageFlags.Seen)));
        _host = await CoreHost.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _source.Dispose();
        _destination.Dispose();
        await _authServer.DisposeAsync();
    }

    [Fact]
    public async Task AnAccessTokenThatHasExpired_IsRenewedWithTheRefreshToken_BeforeTheLogin()
    {
        await using var scope = _host.Scope();
        var job = await _host.Get<JobService>(scope).CreateAsync(new CreateJobRequest
        {
            Domain = "example.com",
            Source = new() { Host = _source.Host, Port = _source.Port, Security = ImapSecurityMode.None, Auth = ImapAuthMode.XOAuth2 },
            Destination = new() { Host = _destination.Host, Port = _destination.Port, Security = ImapSecurityMode.None },
        }, "tech@test");
        var mailbox = await _host.Get<MailboxService>(scope).AddAsync(job.Id, new AddMailboxRequest { SourceUser = Olga, DestUser = Olga, DestPassword = "dst-pw" }, "tech@test");
        var oauth = _host.Get<OAuthService>(scope);
        await oauth.SaveSettingsAsync(job.Id, ImapSide.Source, new OAuthSettingsModel
        {
            Provider = OAuthProviderKind.OpenIdConnect,
            Authority = _authServer.Issuer.ToString(),
            ClientId = OAuthAuthorizationServer.ClientId,
            ClientSecret = OAuthAuthorizationServer.ClientSecret,
            Scopes = $"openid offline_access {OAuthAuthorizationServer.MailScope}",
        }, "tech@test");
        var (url, _) = await oauth.BeginConsentAsync(job.Id, mailbox.Id, ImapSide.Source, "http://127.0.0.1/oauth/callback", "u");
        var callback = System.Web.HttpUtility.ParseQueryString((await _authServer.ConsentAsync(url)).Query);
        await oauth.CompleteConsentAsync(callback["state"], callback["code"], null, null, "u", "tech@test");
        var consented = Assert.Single(await oauth.ListAuthorizationsAsync(job.Id));

        // Past the 8 s token's end: as if the run came later, or a long run reached its next mailbox.
        while (DateTime.UtcNow <= consented.ExpiresAtUtc!.Value.AddSeconds(1))
        {
            await Task.Delay(250);
        }

        Assert.Equal(MailboxOAuthState.Authorized, Assert.Single(await oauth.ListAuthorizationsAsync(job.Id)).State); // renews itself
        var runs = _host.Get<RunService>(scope);
        var run = await runs.StartSyncAsync(job.Id, SyncRunKind.Initial, null, false, "tech@test");
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while ((run = await runs.GetAsync(run.Id)).IsActive && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        var log = string.Join('\n', await runs.ReadLogTailAsync(run.Id, 500));
        Assert.True(run.Status == RunStatus.Succeeded, run.Message + "\n" + log);
        Assert.Contains("Renewed the source's OAuth 2.0 access token.", log);
        Assert.DoesNotContain("refused the OAuth 2.0 access token", log);
        Assert.Equal(3, await _destination.CountMessagesAsync(Olga, "INBOX"));
        var renewed = Assert.Single(await oauth.ListAuthorizationsAsync(job.Id));
        Assert.True(renewed.ExpiresAtUtc > consented.ExpiresAtUtc, "the renewed token expires later");
    }
}

/// <summary>
/// The OAuth run tests host an authorization server, two Dovecots and a console host each in this test process: run alone,
/// not beside the rest of the suite, whose load on two cores made a local HTTP answer take longer than the client's 30 s.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OAuthRunsCollection
{
    public const string Name = "OAuth runs";
}
