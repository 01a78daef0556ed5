using Ligbox.Console.Tests.Gate;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Console.Tests.Reports;
using Ligbox.Core.Accounts;

namespace Ligbox.Console.Tests.Browser;

/// <summary>The job page's "Report (PDF)" button downloads the job's report in a real browser.</summary>
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
}
