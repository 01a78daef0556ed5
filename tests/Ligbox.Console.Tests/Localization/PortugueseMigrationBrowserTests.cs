using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ligbox.Console.Tests.Browser;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Dovecot;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Localization;

/// <summary>
/// Issue 16 end to end: a technician whose profile is Portuguese runs a whole migration on a phone-sized screen
/// (create the job, add the mailbox, pre-flight, initial, delta, final) against real Dovecot servers, and a
/// Portuguese ops lead approves the gate. No page on the way shows an English text of the console, nothing is
/// wider than the screen; the screenshots are those of docs/quickstart.pt.md.
/// </summary>
public sealed class PortugueseMigrationBrowserTests(BrowserSession session) : DovecotPairTest, IClassFixture<BrowserSession>
{
    private const int PhoneWidth = 390;

    [Fact]
    public async Task APortugueseTechnician_MigratesAMailboxOnAPhone_AndAPortugueseOpsLeadApprovesTheGate()
    {
        var (user, sourcePassword, destPassword) = NewPair(Source, Destination);
        await SeedAsync(Source, user, "INBOX", 12);
        await SeedAsync(Source, user, "Projetos", 3, "projeto");
        await CreatePortugueseUserAsync("tecnica.pt@ligbox.test", Roles.Technician);
        await CreatePortugueseUserAsync("chefe.pt@ligbox.test", Roles.OpsLead);
        using var api = await session.App.CreateTokenClientAsync(Scopes.JobsRead, Scopes.GateRead);

        var page = await session.SignInAsync("tecnica.pt@ligbox.test", LigboxAppFactory.DefaultPassword, "/migration/jobs/new");
        await page.SetViewportSizeAsync(PhoneWidth, 844);
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "pt");
        await BrowserSession.WaitInteractiveAsync(page);

        // The job, typed on the form.
        await BrowserSession.Input(page, "domain").FillAsync("cliente-pt.example");
        await BrowserSession.Input(page, "ticket").FillAsync("HD-2026");
        await FillServerAsync(page, "source", Source);
        await FillServerAsync(page, "destination", Destination);
        await page.Keyboard.PressAsync("Tab");
        // Leave the last field (a MudSelect reached with Tab): a click on the button while a select holds the keyboard
        // focus only takes the focus away from it (seen in Chromium with MudBlazor 9.12); a person clicks the button after
        // using the mouse on the select, which does not keep it focused that way.
        await page.Locator("h1").ClickAsync();
        await AssertPortugueseAsync(page, "the create form");
        // From the top: a full-page shot of a scrolled page draws the fixed top bar over the middle of the form.
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await BrowserSession.ScreenshotAsync(page, "quickstart-pt-01-create-job");
        await page.GetByTestId("create-job").ClickAsync();
        try
        {
            await page.WaitForURLAsync(new Regex("/migration/jobs/[0-9a-f-]{36}$"));
        }
        catch (TimeoutException)
        {
            // Say what the form said instead of only "timeout".
            await BrowserSession.ScreenshotAsync(page, "quickstart-pt-01-create-job-failed");
            var said = await page.EvaluateAsync<string>(
                "() => [...document.querySelectorAll('[data-testid=form-error], .mud-snackbar, .mud-input-error')].map(e => e.innerText).join(' | ')");
            Assert.Fail($"The job was not created (still on {page.Url}): {said}");
        }

        var jobId = Guid.Parse(page.Url[^36..]);
        await BrowserSession.WaitInteractiveAsync(page);

        // The mailbox, through the dialog.
        await page.GetByTestId("add-mailbox").ClickAsync();
        await BrowserSession.Input(page, "source-user").FillAsync(user);
        await BrowserSession.Input(page, "source-password").FillAsync(sourcePassword);
        await BrowserSession.Input(page, "dest-user").FillAsync(user);
        await BrowserSession.Input(page, "dest-password").FillAsync(destPassword);
        await page.Keyboard.PressAsync("Tab");
        await AssertPortugueseAsync(page, "the add-mailbox dialog");
        await page.GetByTestId("add-mailbox-save").ClickAsync();
        await Expect(page.GetByTestId("mailbox-source")).ToHaveCountAsync(1);

        // Pre-flight, initial, delta, final: each from its button, each to its end.
        await page.GetByTestId("run-preflight").ClickAsync();
        await WaitForRunAsync(api, jobId, "Preflight", 1);
        await BrowserSession.ClickWhenSettledAsync(page.GetByTestId("run-initial"));
        await WaitForRunAsync(api, jobId, "Initial", 1);
        await AssertPortugueseAsync(page, "the job page after the initial sync");
        // For the quickstart: the runs section alone (a full-page shot of a phone page is 6,000 px tall).
        await page.Locator("section#runs").ScreenshotAsync(new()
        {
            Path = Path.Combine(BrowserSession.ScreenshotDir, "quickstart-pt-02-run.png"),
            // Neither the fixed top bar nor the snackbars of the clicks over the section.
            Style = ".mud-appbar, #mud-snackbar-container, .mud-snackbar { visibility: hidden !important; }",
        });

        await SeedAsync(Source, user, "INBOX", 2, "novo");
        await Expect(page.GetByTestId("run-delta")).ToBeEnabledAsync();
        await BrowserSession.ClickWhenSettledAsync(page.GetByTestId("run-delta"));
        await WaitForRunAsync(api, jobId, "Delta", 1);
        await Expect(page.GetByTestId("run-final")).ToBeEnabledAsync();
        await BrowserSession.ClickWhenSettledAsync(page.GetByTestId("run-final"));
        await AssertPortugueseAsync(page, "the final sync's checklist");
        await BrowserSession.ClickWhenSettledAsync(page.GetByTestId("confirm-yes"));
        await WaitForRunAsync(api, jobId, "Final", 1);
        await page.ReloadAsync();
        await BrowserSession.WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("phase-chip")).ToHaveAttributeAsync("data-phase", "GateReady", new() { Timeout = 20_000 });
        await AssertPortugueseAsync(page, "the job page with the gate ready");
        await AssertFitsAsync(page, "the job page with the gate ready");
        await BrowserSession.ScreenshotAsync(page, "language-04-job-gate-ready-390");
        await page.Context.CloseAsync();

        Assert.Equal(14, await Destination.CountMessagesAsync(user, "INBOX"));
        Assert.Equal(3, await Destination.CountMessagesAsync(user, "Projetos"));

        // The ops lead, at a desk.
        var lead = await session.SignInAsync("chefe.pt@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");
        await BrowserSession.WaitInteractiveAsync(lead);
        await lead.GetByTestId("gate-approve").ClickAsync();
        await BrowserSession.Input(lead, "gate-comment").FillAsync("Contagens verificadas com o cliente.");
        await lead.Keyboard.PressAsync("Tab");
        await AssertPortugueseAsync(lead, "the approval dialog");
        await lead.GetByTestId("gate-dialog-confirm").ClickAsync();
        await Expect(lead.GetByTestId("gate-approved-by")).ToContainTextAsync("chefe.pt@ligbox.test");
        await AssertPortugueseAsync(lead, "the approved gate");
        await lead.GetByTestId("gate-panel").ScreenshotAsync(new() { Path = Path.Combine(BrowserSession.ScreenshotDir, "quickstart-pt-03-gate.png") });
        await lead.Context.CloseAsync();

        // What the DNS wizard reads stays English and stable.
        var gate = await api.GetFromJsonAsync<JsonElement>("/api/migration/gate?domain=cliente-pt.example");
        Assert.Equal("approved", gate.GetProperty("status").GetString());
    }

    private async Task CreatePortugueseUserAsync(string email, string role)
    {
        await session.App.CreateUserAsync(email, role);
        await using var scope = session.App.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var person = await users.FindByEmailAsync(email);
        person!.Language = "pt";
        person.TimeZoneId = "Europe/Lisbon";
        Assert.True((await users.UpdateAsync(person)).Succeeded);
    }

    private static async Task FillServerAsync(IPage page, string side, DovecotServer server)
    {
        await BrowserSession.Input(page, $"{side}-host").FillAsync(server.Host);
        await page.GetByTestId($"{side}-security").ClickAsync();
        // The third choice: no TLS (the test servers speak plain IMAP on 127.0.0.1).
        await page.Locator(".mud-popover-open .mud-list-item").Nth(2).ClickAsync();
        await Expect(page.Locator(".mud-popover-open")).ToHaveCountAsync(0);
        // Choosing "no TLS" puts its port 143 in the field: type ours only after that, or 143 would win the race.
        var port = BrowserSession.Input(page, $"{side}-port");
        await Expect(port).ToHaveValueAsync("143");
        await port.FillAsync(server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.Keyboard.PressAsync("Tab");
        await Expect(port).ToHaveValueAsync(server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>What the page shows (text and the labels read aloud) carries none of the console's English texts.</summary>
    private static async Task AssertPortugueseAsync(IPage page, string what)
    {
        // A run's log lines are the engines' own words, kept as written (data, like the folder names); the viewer's labels are not.
        var text = await page.EvaluateAsync<string>("""
            () => {
                let text = document.body.innerText;
                for (const line of document.querySelectorAll('[data-testid=log-line]')) text = text.replace(line.innerText, ' ');
                return text + ' ' + [...document.querySelectorAll('[aria-label],[title],[placeholder]')]
                    .map(e => [e.getAttribute('aria-label'), e.getAttribute('title'), e.getAttribute('placeholder')].filter(Boolean).join(' ')).join(' ');
            }
            """);
        var english = ResourceCompletenessTests.EnglishShownIn(text);
        var where = english.Select(e => ResourceCompletenessTests.FindWord(text, e) is { Success: true } m
            ? text[Math.Max(0, m.Index - 60)..Math.Min(text.Length, m.Index + e.Length + 60)].ReplaceLineEndings(" ") : e);
        Assert.True(english.Count == 0, $"{what} in Portuguese shows English: {string.Join(" | ", english)}\n{string.Join("\n", where)}");
    }

    private static async Task AssertFitsAsync(IPage page, string what)
    {
        var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(width <= PhoneWidth, $"{what} is {width} px wide on a {PhoneWidth} px screen");
    }

    /// <summary>Waits until the job's <paramref name="count"/>-th run of <paramref name="kind"/> has ended, and checks it succeeded.</summary>
    private static async Task WaitForRunAsync(HttpClient api, Guid jobId, string kind, int count)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var runs = (await api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}/runs")).EnumerateArray()
                .Where(r => r.GetProperty("kind").GetString() == kind).ToList();
            if (runs.Count >= count && runs[0].GetProperty("status").GetString() is not ("Queued" or "Running" or "Resuming"))
            {
                Assert.True(runs[0].GetProperty("status").GetString() == "Succeeded", runs[0].ToString());
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no finished {kind} run yet: {string.Join(", ", runs.Select(r => r.GetProperty("status")))}");
            await Task.Delay(200);
        }
    }
}
