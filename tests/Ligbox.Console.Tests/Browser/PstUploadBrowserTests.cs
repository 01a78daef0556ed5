using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Console.Tests.Pst;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Dovecot;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Browser;

/// <summary>
/// A technician drops files on a mailbox's drop zone in a real Chromium: tus-js-client uploads them, the
/// console refuses what is not a PST/mbox, and a real PST (Outlook_1.pst, read in place) is imported by
/// readpst into a real Dovecot with the per-folder counts of its SOURCES.md (Inbox 8, Sent Items 6).
/// </summary>
public sealed class PstUploadBrowserTests(BrowserSession session) : IClassFixture<BrowserSession>, IAsyncLifetime
{
    private readonly DovecotServer _dovecot = new();

    public Task InitializeAsync() => _dovecot.StartAsync();

    public Task DisposeAsync()
    {
        _dovecot.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task DroppedPst_IsUploadedWithTusJsClient_AndImported_WithPerFolderCounts()
    {
        using var api = await session.App.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        var (jobId, _, user) = await PstUploads.CreateJobWithMailboxAsync(api, _dovecot, "drop");
        await session.App.CreateUserAsync("tech.pst@ligbox.test", Roles.Technician);
        var page = await session.SignInAsync("tech.pst@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");
        await BrowserSession.WaitInteractiveAsync(page);
        // The library bundled at build time from npm is served and loaded (not the fallback).
        await Expect(page.GetByTestId("pst-client")).ToHaveAttributeAsync("data-client", "tus-js-client");
        await Expect(page.GetByTestId("pst-drop")).ToHaveAttributeAsync("data-ready", "true");
        var zone = page.GetByTestId("pst-drop");
        var message = page.GetByTestId("pst-upload-message");

        await DropAsync(page, zone, "notes.txt", "text/plain", "not a mailbox"u8.ToArray());
        await Expect(message).ToContainTextAsync("'notes.txt' cannot be uploaded: choose an Outlook .pst or .ost file, an .mbox file, or a Zimbra .tgz export.");
        await BrowserSession.ScreenshotAsync(page, "30-pst-wrong-extension");

        // Uploaded, then refused by the signature check before any run exists.
        await DropAsync(page, zone, "renamed.pst", "application/octet-stream", new byte[4096]);
        await Expect(message).ToContainTextAsync("'renamed.pst' is not an Outlook PST/OST file (it does not start with the PST signature '!BDN').");
        await Expect(page.GetByTestId("pst-run-status")).ToHaveCountAsync(0);

        await DropAsync(page, zone, "Outlook_1.pst", "application/vnd.ms-outlook", await File.ReadAllBytesAsync(PstUploads.PstPath("Outlook_1.pst")));
        await Expect(message).ToContainTextAsync($"Uploaded Outlook_1.pst; the import into {user} is queued.", new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("pst-run-status")).ToHaveAttributeAsync("data-status", "Succeeded", new() { Timeout = 90_000 });
        Assert.Equal(["Outlook/Inbox", "INBOX", "8", "8", "8", "0", "0", "8"], await RowAsync(page, "INBOX"));
        Assert.Equal(["Outlook/Sent Items", "Sent", "6", "6", "6", "0", "0", "6"], await RowAsync(page, "Sent"));
        // readpst's own progress lines, as it printed them for this PST (9 items done in Inbox, one a contact card).
        await Expect(page.GetByTestId("pst-readpst")).ToContainTextAsync("Inbox 9 done, 2 skipped");
        await Expect(page.GetByTestId("pst-readpst")).ToContainTextAsync("Sent Items 6 done");
        await Expect(page.GetByTestId("audit-trail")).ToContainTextAsync("started importing");
        // The gate panel follows the run's end on the open page: no "still running" left, and no ratio yet (an import
        // records no source counts).
        await Expect(page.GetByTestId("gate-reasons")).Not.ToContainTextAsync("A run is still queued or running", new() { Timeout = 10_000 });
        await Expect(page.GetByTestId("gate-ratio")).ToHaveTextAsync("No verified message counts yet");
        await BrowserSession.ScreenshotAsync(page, "31-pst-imported");
        Assert.Equal(8, await _dovecot.CountMessagesAsync(user, "INBOX"));
        Assert.Equal(6, await _dovecot.CountMessagesAsync(user, "Sent"));
    }

    [Fact]
    public async Task WithoutTusJsClient_TheFallbackClientIsNamed_AndStillUploadsAndImports()
    {
        using var api = await session.App.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        var (jobId, _, user) = await PstUploads.CreateJobWithMailboxAsync(api, _dovecot, "fallback");
        await session.App.CreateUserAsync("tech.fallback@ligbox.test", Roles.Technician);
        var page = await session.SignInAsync("tech.fallback@ligbox.test", LigboxAppFactory.DefaultPassword, "/migration/jobs");
        // As when the console was built without npm: the bundled library is not there.
        await page.Context.RouteAsync("**/lib/tus-js-client/**", route => route.FulfillAsync(new() { Status = 404 }));
        await page.GotoAsync($"/migration/jobs/{jobId}");
        await BrowserSession.WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("pst-client")).ToHaveAttributeAsync("data-client", "fallback");
        await Expect(page.GetByTestId("pst-client-fallback")).ToContainTextAsync("tus-js-client was not bundled");
        await Expect(page.GetByTestId("pst-drop")).ToHaveAttributeAsync("data-ready", "true");

        await page.GetByTestId("pst-file").SetInputFilesAsync(PstUploads.PstPath("Outlook_1.pst"));

        await Expect(page.GetByTestId("pst-upload-message")).ToContainTextAsync("Uploaded Outlook_1.pst", new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("pst-run-status")).ToHaveAttributeAsync("data-status", "Succeeded", new() { Timeout = 90_000 });
        await BrowserSession.ScreenshotAsync(page, "34-pst-fallback-client");
        Assert.Equal(8, await _dovecot.CountMessagesAsync(user, "INBOX"));
    }

    /// <summary>Drops a file on the zone the way a browser does: a drop event whose DataTransfer holds the File.</summary>
    private static async Task DropAsync(IPage page, ILocator zone, string name, string type, byte[] content)
    {
        var dataTransfer = await page.EvaluateHandleAsync(
            """
            ([b64, name, type]) => {
                const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
                const transfer = new DataTransfer();
                transfer.items.add(new File([bytes], name, { type, lastModified: 1764576000000 }));
                return transfer;
            }
            """, new object[] { Convert.ToBase64String(content), name, type });
        await zone.DispatchEventAsync("dragenter", new Dictionary<string, object> { ["dataTransfer"] = dataTransfer });
        await zone.DispatchEventAsync("drop", new Dictionary<string, object> { ["dataTransfer"] = dataTransfer });
    }

    private static async Task<string[]> RowAsync(IPage page, string destination) =>
        (await page.Locator($"[data-testid=pst-folder][data-folder='{destination}'] td").AllInnerTextsAsync()).Select(t => t.Trim()).ToArray();
}
