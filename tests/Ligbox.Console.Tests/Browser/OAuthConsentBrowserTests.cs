using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Dovecot;
using Ligbox.Testing.OAuth;
using Microsoft.Playwright;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Browser;

/// <summary>
/// Issue 15 end to end in real Chromium: the technician enters a job's OAuth 2.0 settings on the job page, presses
/// Authorize, allows on a real OpenIddict authorization server's consent page, comes back to the job page through the
/// console's callback with the mailbox authorized, and a run migrates the mailbox over XOAUTH2 from a real Dovecot that
/// checks the token at the server's introspection endpoint. The API tells the state, never a token.
/// </summary>
public sealed class OAuthConsentBrowserTests(BrowserSession session) : IClassFixture<BrowserSession>, IAsyncLifetime
{
    private OAuthAuthorizationServer _authServer = null!;
    private DovecotServer _source = null!;
    private readonly DovecotServer _destination = new();

    public async Task InitializeAsync()
    {
        // The console's own callback is the redirect URI registered for the client, as at a real provider.
        _authServer = new OAuthAuthorizationServer { RedirectUris = [new Uri(session.App.ServerAddress, "oauth/callback")] };
        await _authServer.InitializeAsync();
        _source = new DovecotServer(new DovecotServerOptions { OAuth2IntrospectionUrl = _authServer.IntrospectionUrlWithCredentials });
        await Task.WhenAll(_source.StartAsync(), _destination.StartAsync());
    }

    public async Task DisposeAsync()
    {
        _source.Dispose();
        _destination.Dispose();
        await _authServer.DisposeAsync();
    }

    [Fact]
    public async Task Authorize_ConsentOnTheProvider_BackAuthorized_ThenARunMigratesOverXOAuth2()
    {
        var user = $"o{Guid.NewGuid():N}"[..10] + "@example.com";
        _source.AddUser(user, "seed-only-" + Guid.NewGuid().ToString("N"));
        _destination.AddUser(user, "dst-pw");
        await SeedAsync(_source, user, "INBOX", 3, "oauth");
        using var api = await session.App.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        using var created = await api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain = "oauth-consent.example",
            source = new { host = _source.Host, port = _source.Port, security = "None", auth = "XOAuth2" },
            destination = new { host = _destination.Host, port = _destination.Port, security = "None", auth = "Plain" },
        });
        var jobId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        // No source password: the source logs in with OAuth 2.0.
        await AddMailboxAsync(api, jobId, user, "", user, "dst-pw");
        await session.App.CreateUserAsync("tech.oauth@ligbox.test", Roles.Technician);
        var page = await session.SignInAsync("tech.oauth@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");
        await BrowserSession.WaitInteractiveAsync(page);

        // The settings: a generic OpenID Connect provider (the test server), client id, secret, scopes.
        var panel = page.GetByTestId("oauth-source");
        await Expect(panel).ToContainTextAsync("Source: OAuth 2.0 provider");
        await Expect(page.GetByTestId("oauth-redirect-uri")).ToContainTextAsync(new Uri(session.App.ServerAddress, "oauth/callback").ToString());
        await page.GetByTestId("oauth-provider").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = "Other OpenID Connect provider" }).ClickAsync();
        await BrowserSession.Input(page, "oauth-authority").FillAsync(_authServer.Issuer.ToString());
        await BrowserSession.Input(page, "oauth-client-id").FillAsync(OAuthAuthorizationServer.ClientId);
        await BrowserSession.Input(page, "oauth-client-secret").FillAsync(OAuthAuthorizationServer.ClientSecret);
        await BrowserSession.Input(page, "oauth-scopes").FillAsync($"openid offline_access {OAuthAuthorizationServer.MailScope}");
        await BrowserSession.ScreenshotAsync(page, "oauth-01-settings");
        await page.GetByTestId("oauth-settings-save").ClickAsync();
        await Expect(page.GetByTestId("oauth-settings-summary")).ToContainTextAsync($"client {OAuthAuthorizationServer.ClientId} · secret stored");
        var row = page.GetByTestId("oauth-mailbox").Filter(new() { HasText = user });
        await Expect(row.GetByTestId("oauth-state")).ToHaveTextAsync("Not authorized yet");
        await page.Locator("#oauth").ScrollIntoViewIfNeededAsync();
        await BrowserSession.ScreenshotAsync(page, "oauth-02-not-authorized");

        // Authorize → the provider's consent page → Allow → back on the job page through the console's callback.
        // The panel re-renders after the save (summary, rows): press only once the button has kept its place.
        await BrowserSession.ClickWhenSettledAsync(row.GetByTestId("oauth-authorize"));
        await BrowserSession.WaitForUrlOrSayWhereAsync(page, $"{_authServer.Issuer}connect/authorize**", "oauth-authorize-no-navigation", "Authorize did not reach the provider");
        await Expect(page.Locator("body")).ToContainTextAsync($"Allow Ligbox to read and write the mail of {user}?");
        await BrowserSession.ScreenshotAsync(page, "oauth-03-provider-consent");
        await page.Locator("#allow").ClickAsync();
        // Once (a clean-clone run, session 21) this wait ran out with no trace of where the browser was.
        await BrowserSession.WaitForUrlOrSayWhereAsync(page, $"**/migration/jobs/{jobId}?oauth=authorized**", "oauth-callback-no-return", "Allow did not come back authorized");
        await BrowserSession.WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("oauth-notice")).ToContainTextAsync("The mailbox is authorized: runs log in with OAuth 2.0 now.");
        row = page.GetByTestId("oauth-mailbox").Filter(new() { HasText = user });
        await Expect(row.GetByTestId("oauth-state")).ToContainTextAsync("Authorized");
        await Expect(row.GetByTestId("oauth-state")).ToContainTextAsync("Renewed automatically; the current access runs until");
        await page.Locator("#oauth").ScrollIntoViewIfNeededAsync();
        await BrowserSession.ScreenshotAsync(page, "oauth-04-authorized");

        // The API says authorized and until when; no token and no secret anywhere in it or in the page.
        var text = await api.GetStringAsync($"/api/migration/jobs/{jobId}/oauth");
        var oauth = JsonDocument.Parse(text).RootElement;
        var mailbox = oauth.GetProperty("mailboxes")[0];
        Assert.Equal("Authorized", mailbox.GetProperty("state").GetString());
        Assert.True(mailbox.GetProperty("renewsItself").GetBoolean());
        Assert.True(oauth.GetProperty("settings")[0].GetProperty("hasClientSecret").GetBoolean());
        Assert.DoesNotContain(OAuthAuthorizationServer.ClientSecret, text, StringComparison.Ordinal);
        Assert.DoesNotContain("token\"", text.Replace("renewsItself", ""), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(OAuthAuthorizationServer.ClientSecret, await page.ContentAsync(), StringComparison.Ordinal);

        // A run migrates the mailbox with the consented token over XOAUTH2.
        var runId = await StartAsync(api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" });
        var run = await WaitForRunAsync(api, runId, TimeSpan.FromMinutes(3));
        Assert.True(run.GetProperty("status").GetString() == "Succeeded", run.ToString());
        Assert.Equal(3, await _destination.CountMessagesAsync(user, "INBOX"));
    }

    [Fact]
    public async Task TheCallback_RefusesAnAnswerThisBrowserDidNotAskFor()
    {
        await session.App.CreateUserAsync("tech.oauth.cb@ligbox.test", Roles.Technician);
        var page = await session.SignInAsync("tech.oauth.cb@ligbox.test", LigboxAppFactory.DefaultPassword, "/migration/jobs");

        var response = await page.GotoAsync("/oauth/callback?code=stolen&state=forged");

        Assert.Equal(400, response!.Status);
        Assert.Contains("does not belong to a consent started in this browser", await page.ContentAsync());
    }

    [Fact]
    public async Task TheAdminLoginLabel_IsShownWhole_OnTheCreateForm()
    {
        await session.App.CreateUserAsync("tech.oauth.label@ligbox.test", Roles.Technician);
        var page = await session.SignInAsync("tech.oauth.label@ligbox.test", LigboxAppFactory.DefaultPassword, "/migration/jobs/new");
        var label = page.Locator("label").Filter(new() { HasText = "Admin login (master user, optional)" }).First;
        await Expect(label).ToBeVisibleAsync();

        var cut = await label.EvaluateAsync<bool>("l => l.scrollWidth > l.clientWidth + 1");

        await label.ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserSession.ScreenshotDir, "oauth-05-admin-login-label.png") });
        Assert.False(cut, "the admin login's label is cut off");
    }
}
