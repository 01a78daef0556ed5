using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Console.Tests.Pst;
using Ligbox.Core.Accounts;
using Ligbox.Core.Uploads;
using Ligbox.Testing.Dovecot;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Browser;

/// <summary>
/// An upload cut off by a page reload resumes when the same file is chosen again: tus-js-client finds its
/// stored upload URL (fingerprint), asks the server's offset and sends only the rest. 64 KB chunks and a
/// slowed network (each PATCH held 250 ms by Playwright) make the reload land in the middle.
/// </summary>
public sealed class PstUploadResumeBrowserTests(PstUploadResumeBrowserTests.SmallChunkSession session)
    : IClassFixture<PstUploadResumeBrowserTests.SmallChunkSession>, IAsyncLifetime
{
    private const int ChunkSize = 64 * 1024;

    public sealed class SmallChunkSession() : BrowserSession(new SmallChunkApp());

    public sealed class SmallChunkApp : LigboxKestrelAppFactory
    {
        protected override IDictionary<string, string?> Settings
        {
            get
            {
                var settings = base.Settings;
                settings["Ligbox:Uploads:BrowserChunkSize"] = ChunkSize.ToString(CultureInfo.InvariantCulture);
                return settings;
            }
        }
    }

    private readonly DovecotServer _dovecot = new();

    public Task InitializeAsync() => _dovecot.StartAsync();

    public Task DisposeAsync()
    {
        _dovecot.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task UploadCutByReload_ResumesFromTheServersOffset_WhenTheSameFileIsChosenAgain()
    {
        var pst = PstUploads.PstPath("Outlook_1.pst");
        var length = new FileInfo(pst).Length;
        using var api = await session.App.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        var (jobId, _, user) = await PstUploads.CreateJobWithMailboxAsync(api, _dovecot, "resume");
        await session.App.CreateUserAsync("tech.resume@ligbox.test", Roles.Technician);
        var page = await session.SignInAsync("tech.resume@ligbox.test", LigboxAppFactory.DefaultPassword, $"/migration/jobs/{jobId}");
        var patchOffsets = new ConcurrentQueue<long>();
        await page.Context.RouteAsync("**/api/migration/uploads/*", async route =>
        {
            try
            {
                if (route.Request.Method == "PATCH")
                {
                    patchOffsets.Enqueue(long.Parse(await route.Request.HeaderValueAsync("upload-offset") ?? "-1", CultureInfo.InvariantCulture));
                    await Task.Delay(250);
                }

                await route.ContinueAsync();
            }
            catch (PlaywrightException)
            {
                // The reload cancelled this request while it was held.
            }
        });
        await BrowserSession.WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("pst-client")).ToHaveAttributeAsync("data-client", "tus-js-client");
        await Expect(page.GetByTestId("pst-drop")).ToHaveAttributeAsync("data-ready", "true");

        await page.GetByTestId("pst-file").SetInputFilesAsync(pst);
        await Expect(page.GetByTestId("pst-progress")).ToContainTextAsync("Outlook_1.pst:");
        var store = session.App.Services.GetRequiredService<TusUploadStore>();
        var partial = await WaitForAsync(async () => (await store.ListAsync(null)).SingleOrDefault(u => u.Offset >= 4 * ChunkSize));
        await BrowserSession.ScreenshotAsync(page, "32-pst-upload-progress");
        await page.ReloadAsync();
        await BrowserSession.WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("pst-drop")).ToHaveAttributeAsync("data-ready", "true");

        var serverOffset = (await store.GetAsync(partial.Id))!.Offset;
        Assert.InRange(serverOffset, 4 * ChunkSize, length - 1);
        var patchesBefore = patchOffsets.Count;
        await page.GetByTestId("pst-file").SetInputFilesAsync(pst);

        // Formatted as the page does ("N1", which rounds 0.25 to 0.2 where "0.0" gives 0.3: 4 chunks are exactly 0.25 MB).
        var resumingAt = (serverOffset / 1048576.0).ToString("N1", CultureInfo.GetCultureInfo("en"));
        await Expect(page.GetByTestId("pst-resuming")).ToContainTextAsync($"resuming at {resumingAt} MB");
        await BrowserSession.ScreenshotAsync(page, "33-pst-upload-resuming");
        await Expect(page.GetByTestId("pst-upload-message")).ToContainTextAsync("Uploaded Outlook_1.pst", new() { Timeout = 60_000 });

        // Only the rest was sent, starting at the server's offset, into the same upload.
        Assert.Equal(serverOffset, patchOffsets.Skip(patchesBefore).First());
        Assert.Equal((int)Math.Ceiling((length - serverOffset) / (double)ChunkSize), patchOffsets.Count - patchesBefore);
        var upload = Assert.Single(await store.ListAsync(null));
        Assert.Equal(partial.Id, upload.Id);
        Assert.True(upload.IsCompleted);
        var data = store.GetDataFilePath(upload.Id);
        Assert.Equal(length, new FileInfo(data).Length);
        Assert.Equal(SHA256.HashData(await File.ReadAllBytesAsync(pst)), SHA256.HashData(await File.ReadAllBytesAsync(data)));

        await Expect(page.GetByTestId("pst-run-status")).ToHaveAttributeAsync("data-status", "Succeeded", new() { Timeout = 90_000 });
        Assert.Equal(8, await _dovecot.CountMessagesAsync(user, "INBOX"));
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe)
        where T : class
    {
        for (var i = 0; i < 300; i++)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The condition was not met in 15 s.");
    }
}
