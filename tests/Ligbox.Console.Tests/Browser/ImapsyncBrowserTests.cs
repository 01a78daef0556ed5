using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Console.Tests.Runs;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Imapsync;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Browser;

/// <summary>The console on Kestrel with imapsync configured at <paramref name="imapsyncPath"/>.</summary>
public sealed class ImapsyncKestrelAppFactory(string imapsyncPath) : LigboxKestrelAppFactory
{
    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["Tools:Imapsync:ImapsyncPath"] = imapsyncPath;
            return settings;
        }
    }
}

/// <summary>A browser session on a host whose imapsync is the fake replaying recorded real logs.</summary>
public sealed class FakeImapsyncBrowserSession : BrowserSession
{
    public FakeImapsyncBrowserSession()
        : this(new FakeImapsync())
    {
    }

    private FakeImapsyncBrowserSession(FakeImapsync imapsync)
        : base(new ImapsyncKestrelAppFactory(imapsync.ExecutablePath)) => Imapsync = imapsync;

    public FakeImapsync Imapsync { get; }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Imapsync.Dispose();
    }
}

/// <summary>A browser session on a host where imapsync is not installed.</summary>
public sealed class NoImapsyncBrowserSession() : BrowserSession(new ImapsyncKestrelAppFactory("/nonexistent/ligbox/imapsync"));

/// <summary>The job page of an imapsync job after its runs finished, in a real browser.</summary>
public sealed class ImapsyncBrowserTests(FakeImapsyncBrowserSession session) : IClassFixture<FakeImapsyncBrowserSession>
{
    [Fact]
    public async Task JobPage_ShowsTheFinishedImapsyncRunWithItsFiguresAndLog()
    {
        using var api = await session.App.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        var jobId = await ImapsyncRunsApiTests.CreateImapsyncJobAsync(api, "imapsync-browser.example");
        await AddMailboxAsync(api, jobId, "ana@imapsync-browser.example", "Src-Browser-Secret", "ana@imapsync-browser.example", "Dst-Browser-Secret");
        session.Imapsync.Replay("justlogin-ok.log");
        await WaitForRunAsync(api, await StartAsync(api, $"/api/migration/jobs/{jobId}/preflight"));
        session.Imapsync.Replay("full-sync.log");
        var initial = await WaitForRunAsync(api, await StartAsync(api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" }));
        Assert.Equal("Succeeded", initial.GetProperty("status").GetString());
        await session.App.CreateUserAsync("tech.imapsync@ligbox.test", Roles.Technician);

        var page = await session.SignInAsync("tech.imapsync@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");
        await BrowserSession.WaitInteractiveAsync(page);

        await Expect(page.GetByTestId("servers-card")).ToContainTextAsync("Engine: imapsync");
        await Expect(page.GetByTestId("run-status").First).ToHaveAttributeAsync("data-status", "Succeeded");
        await Expect(page.GetByTestId("mailbox-table")).ToContainTextAsync("500 / 500");
        await Expect(page.GetByTestId("log-lines")).ToContainTextAsync("500 copied, 0 already there, 0 errors; source 500, destination 500.");
        await Expect(page.GetByTestId("imapsync-missing")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("run-delta")).ToBeEnabledAsync();
        var html = await page.ContentAsync();
        Assert.DoesNotContain("Src-Browser-Secret", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Dst-Browser-Secret", html, StringComparison.Ordinal);
        await BrowserSession.ScreenshotAsync(page, "40-imapsync-run-done");
    }
}

/// <summary>What a technician sees when imapsync is not installed on the console host.</summary>
public sealed class ImapsyncMissingBrowserTests(NoImapsyncBrowserSession session) : IClassFixture<NoImapsyncBrowserSession>
{
    [Fact]
    public async Task JobPageAndCreateForm_WarnThatImapsyncIsMissing_AndRunButtonsAreOff()
    {
        using var api = await session.App.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        var jobId = await ImapsyncRunsApiTests.CreateImapsyncJobAsync(api, "no-imapsync.example");
        await AddMailboxAsync(api, jobId, "ana@no-imapsync.example", "Src-Secret-x", "ana@no-imapsync.example", "Dst-Secret-x");
        await session.App.CreateUserAsync("tech.noimapsync@ligbox.test", Roles.Technician);

        var page = await session.SignInAsync("tech.noimapsync@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");
        await BrowserSession.WaitInteractiveAsync(page);

        await Expect(page.GetByTestId("imapsync-missing")).ToContainTextAsync("scripts/install-migration-tools.sh");
        await Expect(page.GetByTestId("run-preflight")).ToBeDisabledAsync();
        await Expect(page.GetByTestId("run-initial")).ToBeDisabledAsync();
        await BrowserSession.ScreenshotAsync(page, "41-imapsync-missing-job");

        await page.GotoAsync("/migration/jobs/new");
        await BrowserSession.WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("imapsync-missing")).ToHaveCountAsync(0);
        await page.GetByTestId("engine").ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("imapsync", new() { Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("imapsync-missing")).ToContainTextAsync("imapsync is not installed on this console host");
        await BrowserSession.ScreenshotAsync(page, "42-imapsync-missing-create");
    }
}
