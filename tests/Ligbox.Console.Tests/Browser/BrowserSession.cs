using System.Text;
using Ligbox.Console.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Ligbox.Console.Tests.Browser;

/// <summary>
/// The console on real Kestrel plus Debian's Chromium driven by Playwright. Browsers are never
/// downloaded: Playwright's bundled driver launches /usr/bin/chromium.
/// </summary>
public class BrowserSession : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public BrowserSession()
        : this(new LigboxKestrelAppFactory())
    {
    }

    /// <summary>For a fixture whose app has other settings (a subclass with one public parameterless constructor).</summary>
    protected BrowserSession(LigboxKestrelAppFactory app) => App = app;

    public LigboxKestrelAppFactory App { get; }

    public IBrowser Browser { get; private set; } = default!;

    /// <summary><c>artifacts/screenshots/</c> at the repository root (gitignored).</summary>
    public static string ScreenshotDir { get; } = Path.Combine(RepoRoot(), "artifacts", "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Chromium is missing at {ChromiumPath}: apt-get install chromium");
        }

        await App.InitializeAsync();
        // Two shared cores: a Blazor round trip can take longer than Playwright's 5 s default.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
        Directory.CreateDirectory(ScreenshotDir);
    }

    /// <summary>A fresh browser context (own cookies) with one page, signed in through the login form.</summary>
    public async Task<IPage> SignInAsync(string email, string password, string path = "/migration/jobs")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = App.ServerAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1366, Height = 860 },
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        await page.WaitForURLAsync("**/account/login**");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#sign-in");
        await WaitInteractiveAsync(page);
        return page;
    }

    /// <summary>Waits until the page runs on a live circuit (the layout marks it), so clicks reach their handlers.</summary>
    public static Task WaitInteractiveAsync(IPage page) =>
        page.Locator("[data-interactive=true]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, name + ".png"), FullPage = true });

    /// <summary>
    /// Waits for the browser to reach <paramref name="url"/> (a Playwright glob); when it does not, keeps a screenshot
    /// named <paramref name="screenshot"/> and fails saying <paramref name="what"/>, where the browser is and what the page says.
    /// </summary>
    public static async Task WaitForUrlOrSayWhereAsync(IPage page, string url, string screenshot, string what)
    {
        try
        {
            await page.WaitForURLAsync(url);
        }
        catch (TimeoutException ex)
        {
            await ScreenshotAsync(page, screenshot);
            var body = await page.Locator("body").InnerTextAsync(new() { Timeout = 5_000 });
            throw new TimeoutException($"{what}; the browser is at {page.Url}: {body[..Math.Min(body.Length, 600)]}", ex);
        }
    }

    /// <summary>
    /// Clicks <paramref name="target"/> once it is enabled and has kept its place for half a second. Live updates
    /// re-render the job page in several steps (the summary's attention line, the mailbox rows, the runs), each moving
    /// what is below it; Playwright's own check (two animation frames) can pass between two of them, and a press whose
    /// release lands beside the moved button is no click at all.
    /// </summary>
    public static async Task ClickWhenSettledAsync(ILocator target)
    {
        await Assertions.Expect(target).ToBeEnabledAsync();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        LocatorBoundingBoxResult? last = null;
        for (var still = 0; still < 4 && DateTime.UtcNow < deadline; await Task.Delay(125))
        {
            var box = await target.BoundingBoxAsync();
            still = box is not null && last is not null && box.X == last.X && box.Y == last.Y && box.Width == last.Width
                && box.Height == last.Height ? still + 1 : 0;
            last = box;
        }

        await target.ClickAsync();
    }

    /// <summary>A MudBlazor text field's input, found by the data-testid given to the component.</summary>
    public static ILocator Input(IPage page, string testId) =>
        page.Locator($"input[data-testid='{testId}'], textarea[data-testid='{testId}'], [data-testid='{testId}'] input").First;

    /// <summary>
    /// Chooses a CSV file in the import dialog. Blazor's InputFile starts listening for the change
    /// only after its first render reaches the browser; on a busy machine a file set earlier is
    /// missed, so set it again until the dialog shows the file's name.
    /// </summary>
    public static async Task ChooseCsvAsync(IPage page, string name, string content)
    {
        var file = new FilePayload { Name = name, MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(content) };
        for (var attempt = 1; ; attempt++)
        {
            await page.Locator("#csv-file").SetInputFilesAsync(file);
            try
            {
                await Assertions.Expect(page.GetByTestId("csv-file-name")).ToHaveTextAsync(name, new() { Timeout = 3_000 });
                return;
            }
            catch (PlaywrightException) when (attempt < 5)
            {
            }
        }
    }

    public virtual async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await ((IAsyncLifetime)App).DisposeAsync();
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ligbox.slnx")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
