using System.Net.Http.Json;
using Ligbox.Console.Tests.Gate;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Core.Gate;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Testing.Dovecot;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Browser;

/// <summary>
/// Issue 11: job settings edited from the job page (the service behind PATCH), "Test connection" before saving on the
/// settings dialog and on the create form (real Dovecot, real Chromium), and the gate's decisions at 390 px.
/// </summary>
public sealed class JobSettingsBrowserTests(BrowserSession session) : DovecotPairTest, IClassFixture<BrowserSession>
{
    [Fact]
    public async Task SettingsDialog_RefusesAWrongSetting_TestsTheConnection_SavesAudited_AndEscapeCloses()
    {
        var (user, sp, dp) = NewPair(Source, Destination);
        using var api = await session.App.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        var jobId = await CreateJobAsync(api, Source, Destination, "settings-dialog.example");
        await AddMailboxAsync(api, jobId, user, sp, user, dp);
        await session.App.CreateUserAsync("tech.settings@ligbox.test", Roles.Technician);
        var page = await session.SignInAsync("tech.settings@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");
        await BrowserSession.WaitInteractiveAsync(page);

        await page.GetByTestId("edit-settings").ClickAsync();
        var dialog = page.GetByTestId("job-settings-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        // A wrong setting is refused in plain words, on its field, and nothing is saved.
        await BrowserSession.Input(page, "destination-host").FillAsync("not a host!");
        await page.GetByTestId("settings-save").ClickAsync();
        await Expect(page.GetByTestId("settings-error")).ToContainTextAsync("Enter the IMAP server's host name or IP address");
        await Expect(dialog).ToContainTextAsync("Enter the IMAP server's host name or IP address, e.g. imap.example.com.");
        await BrowserSession.ScreenshotAsync(page, "settings-01-refused");
        await BrowserSession.Input(page, "destination-host").FillAsync(Destination.Host);

        // Test connection with the settings as typed: both logins succeed, then a wrong source password is named.
        await BrowserSession.Input(page, "connection-test-source-user").FillAsync(user);
        await BrowserSession.Input(page, "connection-test-source-password").FillAsync(sp);
        await BrowserSession.Input(page, "connection-test-dest-user").FillAsync(user);
        await BrowserSession.Input(page, "connection-test-dest-password").FillAsync(dp);
        await page.GetByTestId("connection-test-run").ClickAsync();
        await Expect(page.GetByTestId("connection-test-result")).ToHaveAttributeAsync("data-succeeded", "true", new() { Timeout = 20_000 });
        await Expect(page.GetByTestId("connection-test-source")).ToContainTextAsync($"Logged in to {Source.Host}:{Source.Port} as {user}.");
        await Expect(page.GetByTestId("connection-test-destination")).ToContainTextAsync($"Logged in to {Destination.Host}:{Destination.Port} as {user}.");
        await BrowserSession.Input(page, "connection-test-source-password").FillAsync("not-the-password");
        await page.GetByTestId("connection-test-run").ClickAsync();
        await Expect(page.GetByTestId("connection-test-result")).ToHaveAttributeAsync("data-succeeded", "false", new() { Timeout = 20_000 });
        await Expect(page.GetByTestId("connection-test-source")).ToContainTextAsync($"authentication failed for {user}");
        await Expect(page.GetByTestId("connection-test-source")).ToContainTextAsync("check the password");
        await Expect(page.GetByTestId("connection-test-destination")).ToContainTextAsync("Logged in to");
        // Each side in its own colour: the refused source red, the destination that logged in green.
        await Expect(page.GetByTestId("connection-test-source")).ToHaveAttributeAsync("data-side-ok", "false");
        await Expect(page.GetByTestId("connection-test-source")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mud-alert-text-error"));
        await Expect(page.GetByTestId("connection-test-destination")).ToHaveAttributeAsync("data-side-ok", "true");
        await Expect(page.GetByTestId("connection-test-destination")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mud-alert-text-success"));
        await page.GetByTestId("connection-test-result").ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserSession.ScreenshotDir, "settings-02b-test-connection-sides.png") });
        await BrowserSession.ScreenshotAsync(page, "settings-02-test-connection");
        Assert.DoesNotContain(sp, await page.ContentAsync(), StringComparison.Ordinal);

        // A server setting and an option change; the page shows them and the audit trail says what changed.
        await BrowserSession.Input(page, "destination-port").FillAsync("1");
        await BrowserSession.Input(page, "settings-include").FillAsync("INBOX");
        // The name, the ticket and the folder mappings too (issue 11).
        await BrowserSession.Input(page, "settings-name").FillAsync("Settings dialog job");
        await BrowserSession.Input(page, "settings-ticket").FillAsync("HD-77");
        await BrowserSession.Input(page, "settings-mappings").FillAsync("Old Archive => Archive");
        await page.GetByTestId("settings-save").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(page.Locator(".mud-main-content")).ToContainTextAsync("Settings dialog job · ticket HD-77");
        await Expect(page.GetByTestId("servers-mappings")).ToContainTextAsync("renaming Old Archive → Archive");
        await Expect(page.GetByTestId("audit-trail")).ToContainTextAsync("folder mappings changed from (none) to Old Archive");
        await Expect(page.GetByTestId("servers-card")).ToContainTextAsync($"{Destination.Host}:1");
        await Expect(page.GetByTestId("servers-card")).ToContainTextAsync("only INBOX");
        await Expect(page.GetByTestId("audit-trail")).ToContainTextAsync($"destination server changed from {Destination.Host}:{Destination.Port}");
        var job = await api.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/migration/jobs/{jobId}");
        Assert.Equal(1, job.GetProperty("destination").GetProperty("port").GetInt32());

        // Escape closes the dialog without saving.
        await page.GetByTestId("edit-settings").ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await BrowserSession.Input(page, "settings-include").FillAsync("Archive");
        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(page.GetByTestId("servers-card")).ToContainTextAsync("only INBOX");

        // 390 px: the dialog fits the screen.
        await page.SetViewportSizeAsync(390, 844);
        await page.GetByTestId("edit-settings").ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserSession.ScreenshotDir, "settings-03-dialog-390.png") });
        var width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(width <= 390, $"the page is {width} px wide at 390 px");
    }

    [Fact]
    public async Task Settings_AreLockedWithTheReason_WhileARunIsActive()
    {
        using var api = await session.App.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        var jobId = await CreateJobAsync(api, Source, Destination, "settings-locked.example");
        await using (var db = await session.App.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>().CreateDbContextAsync())
        {
            // A queued run that nothing executes: the job has an active run for as long as the test looks.
            db.Runs.Add(new Run(jobId, RunKind.Initial, RunTrigger.Manual, "seed", DateTime.UtcNow));
            await db.SaveChangesAsync();
        }

        await session.App.CreateUserAsync("tech.locked@ligbox.test", Roles.Technician);
        var page = await session.SignInAsync("tech.locked@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");
        await BrowserSession.WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("edit-settings")).ToBeDisabledAsync();
        await Expect(page.GetByTestId("settings-locked")).ToHaveTextAsync("A run is active: change the settings when it has ended (or cancel it).");
    }

    [Fact]
    public async Task CreateForm_TestConnection_LogsInBothSides_AndNamesAWrongPassword()
    {
        var (user, sp, dp) = NewPair(Source, Destination);
        await session.App.CreateUserAsync("tech.create@ligbox.test", Roles.Technician);
        var page = await session.SignInAsync("tech.create@ligbox.test", LigboxAppFactory.DefaultPassword, "/migration/jobs/new");
        await BrowserSession.WaitInteractiveAsync(page);
        foreach (var (prefix, server) in new[] { ("source", Source), ("destination", Destination) })
        {
            await BrowserSession.Input(page, $"{prefix}-host").FillAsync(server.Host);
            await page.GetByTestId($"{prefix}-security").ClickAsync();
            await page.Locator(".mud-popover-open").GetByText("None — unencrypted (port 143)").ClickAsync();
            await Expect(page.Locator(".mud-popover-open")).ToHaveCountAsync(0);
            // The port follows the TLS mode while it is a default one: None took effect.
            await Expect(BrowserSession.Input(page, $"{prefix}-port")).ToHaveValueAsync("143");
            await BrowserSession.Input(page, $"{prefix}-port").FillAsync(server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await BrowserSession.Input(page, "connection-test-source-user").FillAsync(user);
        await BrowserSession.Input(page, "connection-test-source-password").FillAsync(sp);
        await BrowserSession.Input(page, "connection-test-dest-user").FillAsync(user);
        await BrowserSession.Input(page, "connection-test-dest-password").FillAsync(dp);
        await page.GetByTestId("connection-test-run").ClickAsync();
        await Expect(page.GetByTestId("connection-test-result")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await BrowserSession.ScreenshotAsync(page, "create-00-test-connection-ok");
        await Expect(page.GetByTestId("connection-test-result")).ToHaveAttributeAsync("data-succeeded", "true");
        await Expect(page.GetByTestId("connection-test-source")).ToContainTextAsync($"Logged in to {Source.Host}:{Source.Port} as {user}.");
        await Expect(page.GetByTestId("connection-test-destination")).ToContainTextAsync($"Logged in to {Destination.Host}:{Destination.Port} as {user}.");

        await BrowserSession.Input(page, "connection-test-dest-password").FillAsync("not-the-password");
        await page.GetByTestId("connection-test-run").ClickAsync();
        await Expect(page.GetByTestId("connection-test-result")).ToHaveAttributeAsync("data-succeeded", "false", new() { Timeout = 20_000 });
        await Expect(page.GetByTestId("connection-test-destination")).ToContainTextAsync($"authentication failed for {user}");
        await BrowserSession.ScreenshotAsync(page, "create-01-test-connection");
        Assert.DoesNotContain(sp, await page.ContentAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GateDecisions_AreLabelledCardsAt390Px()
    {
        var jobId = await GateSeed.ReadyJobAsync(session.App.Services, "gate-cards.example.com");
        await session.App.Services.GetRequiredService<GateService>().ApproveAsync(jobId, "lead@ligbox.test",
            "Counts checked with the customer; DNS may switch after the evening backup.", false);
        await session.App.CreateUserAsync("tech.cards@ligbox.test", Roles.Technician);
        var page = await session.SignInAsync("tech.cards@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");
        await page.SetViewportSizeAsync(390, 844);
        await BrowserSession.WaitInteractiveAsync(page);
        var events = page.GetByTestId("gate-events");
        await Expect(events.Locator("[data-action='gate.approved']")).ToHaveTextAsync("Approved");
        await events.ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserSession.ScreenshotDir, "settings-04-gate-decisions-390.png") });
        // Cards, not a table scrolled sideways: each value carries its label, and nothing is wider than its box.
        Assert.True(await events.EvaluateAsync<bool>("e => e.scrollWidth <= e.clientWidth + 1"), "the gate decisions scroll sideways at 390 px");
        await Expect(events.Locator("td[data-label='Who']").First).ToHaveTextAsync("lead@ligbox.test");
        var width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(width <= 390, $"the page is {width} px wide at 390 px");
    }
}
