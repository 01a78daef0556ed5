using Ligbox.Console.Tests.Desk;
using Ligbox.Console.Tests.Gate;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Console.Tests.Reports;
using Ligbox.Core.Accounts;
using Ligbox.Core.Desk;
using Ligbox.Core.Jobs;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Browser;

/// <summary>The job page's report buttons in a real browser: "Report (PDF)" downloads it, "Attach to ticket" sends it to the helpdesk.</summary>
public class JobReportBrowserTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task ReportButton_DownloadsThePdf()
    {
        await session.App.CreateUserAsync("tech.report@ligbox.test", Roles.Technician);
        var jobId = await GateSeed.ReadyJobAsync(session.App.Services, "report-browser.example");
        var page = await session.SignInAsync("tech.report@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");
        await BrowserSession.ScreenshotAsync(page, "report-01-job-page-button");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("download-report").ClickAsync());

        Assert.EndsWith(".pdf", download.SuggestedFilename, StringComparison.Ordinal);
        Assert.Contains("report-browser.example", download.SuggestedFilename, StringComparison.Ordinal);
        var file = Path.Combine(Path.GetTempPath(), $"ligbox-dl-{Guid.NewGuid():N}.pdf");
        await download.SaveAsAsync(file);
        try
        {
            var text = await JobReportTests.PdfTextAsync(await File.ReadAllBytesAsync(file));
            Assert.Contains("We moved 11,950 of 12,000 messages", text, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task AttachButton_SendsTheReportToTheTicket()
    {
        await using var receiver = await DeskReceiver.StartAsync();
        await session.App.Services.GetRequiredService<DeskService>().SaveConnectionAsync(new DeskSettings
        {
            Enabled = true,
            BaseUrl = receiver.BaseUrl,
            Token = "browser-desk-token",
            AttachOnApproval = false,
        }, LigboxAppFactory.AdminEmail);
        await session.App.CreateUserAsync("tech.attach@ligbox.test", Roles.Technician);
        var jobId = await GateSeed.ReadyJobAsync(session.App.Services, "report-attach.example");
        await session.App.Services.CreateAsyncScope().ServiceProvider.GetRequiredService<JobService>()
            .UpdateAsync(jobId, new UpdateJobRequest { TicketId = "DESK-77" }, LigboxAppFactory.AdminEmail);
        var page = await session.SignInAsync("tech.attach@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");

        await page.GetByTestId("attach-report").ClickAsync();

        await Expect(page.GetByText("The report is on its way to ticket DESK-77")).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "report-02-attach-to-ticket");
        var received = await receiver.WaitForAsync(r => r.Any(x => x.TicketId == "DESK-77"), TimeSpan.FromSeconds(30));
        Assert.Equal("Bearer browser-desk-token", received.First(x => x.TicketId == "DESK-77").Authorization);
    }
}
