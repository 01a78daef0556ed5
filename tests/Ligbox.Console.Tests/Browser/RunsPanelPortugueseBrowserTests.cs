using System.Net;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Console.Tests.Localization;
using Ligbox.Console.Tests.Reports;
using Ligbox.Core.Accounts;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Browser;

/// <summary>
/// A technician whose profile is Portuguese (Lisbon time) opens a job with a failed pre-flight: the runs panel, its history,
/// the run's mailboxes and the log viewer speak Portuguese at 1280 and 390 px; the job's PDF (a Portuguese job) too (issue 16).
/// </summary>
public sealed class RunsPanelPortugueseBrowserTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    private static readonly DateTime Queued = new(2026, 12, 3, 23, 30, 0, DateTimeKind.Utc);

    private async Task<Guid> SeedAsync()
    {
        await using var scope = session.App.Services.CreateAsyncScope();
        var job = await scope.ServiceProvider.GetRequiredService<JobService>().CreateAsync(new CreateJobRequest
        {
            Domain = "padaria-pt.example",
            Name = "Padaria Central",
            Source = new() { Host = "imap.old.example" },
            Destination = new() { Host = "imap.new.example" },
            Language = "pt",
        }, LigboxAppFactory.AdminEmail);
        await scope.ServiceProvider.GetRequiredService<MailboxService>().AddAsync(job.Id,
            new AddMailboxRequest { SourceUser = "ana@padaria-pt.example", SourcePassword = "x", DestUser = "ana@new.example", DestPassword = "y" },
            LigboxAppFactory.AdminEmail);
        await FailedPreflightSeed.AddAsync(session.App.Services, job.Id, "tecnico.pt@ligbox.test", Queued);
        return job.Id;
    }

    [Fact]
    public async Task APortugueseTechnician_SeesTheRunsPanelInPortuguese_AtDesktopAndPhoneWidths()
    {
        const string email = "tecnico.pt@ligbox.test";
        await session.App.CreateUserAsync(email, Roles.Technician);
        await using (var scope = session.App.Services.CreateAsyncScope())
        {
            var user = await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email);
            await scope.ServiceProvider.GetRequiredService<OwnPreferencesService>().SaveAsync(user!.Id, "pt", "Europe/Lisbon");
        }

        var jobId = await SeedAsync();
        var page = await session.SignInAsync(email, LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");
        await page.SetViewportSizeAsync(1280, 900);
        await BrowserSession.WaitInteractiveAsync(page);
        var panel = page.GetByTestId("runs-panel");
        await Expect(panel).ToContainTextAsync("Execuções");
        await Expect(page.GetByTestId("run-preflight")).ToContainTextAsync("Verificação prévia");
        await Expect(page.GetByTestId("run-initial")).ToContainTextAsync("Sincronização inicial");
        var history = page.GetByTestId("run-history");
        await Expect(history).ToContainTextAsync("Pedida em");
        await Expect(history).ToContainTextAsync("Falhou");
        // 23:30 UTC on 3 December is 23:30 in Lisbon (winter), written the Portuguese way.
        await Expect(history).ToContainTextAsync("03/12/2026 23:30");
        await Expect(page.GetByTestId("run-mailboxes")).ToContainTextAsync("Caixas de correio desta execução");
        await Expect(page.GetByTestId("run-log")).ToContainTextAsync("Limpar filtros");
        await Expect(page.GetByTestId("download-report")).ToContainTextAsync("Relatório (PDF)");

        var runsText = await page.Locator("[data-testid=runs-panel], [data-testid=run-history], [data-testid=run-mailboxes], [data-testid=run-log]").AllInnerTextsAsync();
        var shown = string.Join("\n", runsText).Replace("Pre-flight failed for 1 of 1 mailbox(es)", "", StringComparison.Ordinal)
            .Replace("The source server refused the password.", "", StringComparison.Ordinal);
        var english = ResourceCompletenessTests.EnglishTextsThatDiffer().Where(e => shown.Contains(e, StringComparison.Ordinal)).ToList();
        Assert.True(english.Count == 0, "English in the Portuguese runs panel: " + string.Join(" | ", english) + "\n" + shown);

        await panel.ScrollIntoViewIfNeededAsync();
        await BrowserSession.ScreenshotAsync(page, "runs-panel-pt-1280");

        await page.SetViewportSizeAsync(390, 844);
        await panel.ScrollIntoViewIfNeededAsync();
        await BrowserSession.ScreenshotAsync(page, "runs-panel-pt-390");
        // The long Portuguese button labels wrap inside the panel: no button runs off a phone's screen.
        foreach (var button in new[] { "run-preflight", "run-initial", "run-delta", "run-final", "run-cancel" })
        {
            var box = await page.GetByTestId(button).BoundingBoxAsync();
            Assert.True(box is not null && box.X >= 0 && box.X + box.Width <= 390, $"{button} at {box?.X}+{box?.Width} leaves the 390 px screen");
        }

        // The job is Portuguese: its PDF report is too (the same endpoint the button downloads).
        var pdf = await page.APIRequest.GetAsync($"/api/migration/jobs/{jobId}/report.pdf");
        Assert.Equal((int)HttpStatusCode.OK, pdf.Status);
        var text = await JobReportTests.PdfTextAsync(await pdf.BodyAsync());
        Assert.Contains("Relatório de migração de correio", text, StringComparison.Ordinal);
        Assert.Contains("Página 1 de ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Email migration report", text, StringComparison.Ordinal);
    }
}
