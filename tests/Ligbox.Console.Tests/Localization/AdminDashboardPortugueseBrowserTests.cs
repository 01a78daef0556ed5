using Ligbox.Console.Tests.Browser;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Core.Jobs;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Localization;

/// <summary>
/// The users page and the overview in Portuguese in real Chromium (a browser asking for pt-PT), on a desktop (1280 px) and
/// a phone (390 px): long Portuguese words must not break the tables, cards or buttons. Screenshots in artifacts/screenshots.
/// </summary>
public class AdminDashboardPortugueseBrowserTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    private async Task<IPage> SignInAsync(string email, int width, int height)
    {
        var context = await session.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = session.App.ServerAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "pt-PT",
            TimezoneId = "Europe/Lisbon",
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.WaitForURLAsync("**/account/login**");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", LigboxAppFactory.DefaultPassword);
        await page.ClickAsync("#sign-in");
        await BrowserSession.WaitInteractiveAsync(page);
        return page;
    }

    private async Task SeedAsync()
    {
        await using var scope = session.App.Services.CreateAsyncScope();
        var jobs = scope.ServiceProvider.GetRequiredService<JobService>();
        var job = await jobs.CreateAsync(new CreateJobRequest
        {
            Domain = "exemplo-comercial.pt",
            TicketId = "PED-2041",
            Source = new() { Host = "imap.antigo.example" },
            Destination = new() { Host = "imap.novo.example" },
        }, LigboxAppFactory.AdminEmail);
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<LigboxDbContext>>().CreateDbContextAsync();
        var now = DateTime.UtcNow;
        foreach (var (daysAgo, messages) in new[] { (0, 12_480L), (3, 3_200L), (9, 25_000L) })
        {
            var run = new Run(job.Id, RunKind.Initial, RunTrigger.Manual, LigboxAppFactory.AdminEmail, now.AddDays(-daysAgo).AddMinutes(-40));
            run.Start(now.AddDays(-daysAgo).AddMinutes(-30), "/tmp/run.log");
            run.Complete(now.AddDays(-daysAgo).AddMinutes(-1), null);
            run.RecordCopied(messages, messages * 48_000);
            db.Runs.Add(run);
        }

        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task UsersPage_AndOverview_InPortuguese_OnADesktopAndAPhone()
    {
        await session.App.CreateUserAsync("admin.pt@ligbox.test", Roles.Admin, displayName: "Administradora Portuguesa");
        await session.App.CreateUserAsync("responsavel.operacoes@ligbox.test", Roles.OpsLead, displayName: "Responsável de Operações");
        await SeedAsync();

        foreach (var (width, height, suffix) in new[] { (1280, 860, "1280"), (390, 844, "390") })
        {
            var page = await SignInAsync("admin.pt@ligbox.test", width, height);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Visão geral" })).ToBeVisibleAsync();
            await Expect(page.GetByTestId("throughput-30d")).ToContainTextAsync("mens.");
            await Expect(page.GetByTestId("biggest-jobs")).ToContainTextAsync("exemplo-comercial.pt");
            await BrowserSession.ScreenshotAsync(page, $"l10n-dashboard-pt-{suffix}");

            await page.GotoAsync("/admin/users");
            await BrowserSession.WaitInteractiveAsync(page);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Utilizadores" })).ToBeVisibleAsync();
            await Expect(page.GetByTestId("users-table")).ToContainTextAsync("responsavel.operacoes@ligbox.test");
            await Expect(page.GetByTestId("create-user")).ToHaveTextAsync("Novo utilizador");
            // The long Portuguese button texts stay on the screen, not cut off by the table.
            foreach (var button in new[] { page.GetByRole(AriaRole.Button, new() { Name = "Repor palavra-passe" }).First, page.GetByTestId("user-toggle").First })
            {
                await Expect(button).ToBeVisibleAsync();
                var box = await button.BoundingBoxAsync();
                Assert.NotNull(box);
                Assert.True(box.X >= 0 && box.X + box.Width <= width + 1, $"the button ends at {box.X + box.Width} px on a {width} px screen");
            }
            await BrowserSession.ScreenshotAsync(page, $"l10n-users-pt-{suffix}");

            await page.GetByTestId("create-user").ClickAsync();
            await Expect(page.GetByRole(AriaRole.Dialog)).ToContainTextAsync("Criar utilizador");
            await BrowserSession.ScreenshotAsync(page, $"l10n-users-new-pt-{suffix}");
            await page.Context.CloseAsync();
        }
    }
}
