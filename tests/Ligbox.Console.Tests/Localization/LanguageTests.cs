using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Localization;

/// <summary>
/// The console's language (issue 16): the browser's, the switch's cookie, the profile's; Portuguese pages show no
/// English text; the profile keeps a language and a time zone.
/// </summary>
public class LanguageTests : IClassFixture<LigboxAppFactory>
{
    private readonly LigboxAppFactory _app;

    public LanguageTests(LigboxAppFactory app) => _app = app;

    private HttpClient Browser(string? acceptLanguage = null)
    {
        var client = _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        if (acceptLanguage is not null)
        {
            client.DefaultRequestHeaders.AcceptLanguage.Add(StringWithQualityHeaderValue.Parse(acceptLanguage));
        }

        return client;
    }

    private static string Token(string html) =>
        Regex.Match(html, "name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"").Groups[1].Value;

    /// <summary>What a reader sees: text and the labels read aloud, without scripts, comments and tags.</summary>
    private static string VisibleText(string html)
    {
        var labels = string.Join(" ", Regex.Matches(html, "(?:aria-label|title|placeholder)=\"([^\"]*)\"").Select(m => m.Groups[1].Value));
        var text = Regex.Replace(html, "<script[\\s\\S]*?</script>|<!--[\\s\\S]*?-->", " ");
        text = Regex.Replace(text, "<[^>]+>", " ");
        return WebUtility.HtmlDecode(text + " " + WebUtility.HtmlDecode(labels));
    }

    private static void AssertNoEnglish(string page, string html, params string[] data)
    {
        var text = VisibleText(html);
        var english = ResourceCompletenessTests.EnglishShownIn(text).Except(data).ToList();
        Assert.True(english.Count == 0, $"{page} in Portuguese shows English: {string.Join(" | ", english)}\n{text}");
    }

    private async Task<HttpClient> SignedInAsync(string email, string? acceptLanguage = "pt-PT")
    {
        if (await FindUserAsync(email) is null)
        {
            await _app.CreateUserAsync(email, Roles.Admin);
        }

        var client = await _app.SignInAsync(email, LigboxAppFactory.DefaultPassword);
        if (acceptLanguage is not null)
        {
            client.DefaultRequestHeaders.AcceptLanguage.Add(StringWithQualityHeaderValue.Parse(acceptLanguage));
        }

        return client;
    }

    private async Task<AppUser?> FindUserAsync(string email)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email);
    }

    [Theory]
    [InlineData("pt-PT", "Iniciar sessão", "lang=\"pt\"")]
    [InlineData("pt-BR", "Iniciar sessão", "lang=\"pt\"")]
    [InlineData("en-US", "Sign in with your Ligbox account.", "lang=\"en\"")]
    [InlineData("de-DE", "Sign in with your Ligbox account.", "lang=\"en\"")]
    public async Task SignInPage_FollowsTheBrowser(string acceptLanguage, string expected, string htmlLang)
    {
        var html = WebUtility.HtmlDecode(await Browser(acceptLanguage).GetStringAsync("/account/login"));
        Assert.Contains(expected, html);
        Assert.Contains(htmlLang, html);
    }

    [Fact]
    public async Task PortuguesePages_ShowNoEnglishText()
    {
        AssertNoEnglish("sign-in", await Browser("pt-PT").GetStringAsync("/account/login?error=invalid"));
        AssertNoEnglish("access denied", await Browser("pt-PT").GetStringAsync("/account/denied"));
        var admin = await SignedInAsync("pt.pages@ligbox.test");
        AssertNoEnglish("change password", await admin.GetStringAsync("/account/password"));
        AssertNoEnglish("profile", await admin.GetStringAsync("/account/profile"));
        using var notFound = await admin.GetAsync("/no-such-page");
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        var html = WebUtility.HtmlDecode(await notFound.Content.ReadAsStringAsync());
        Assert.Contains("Migrações", html); // the menu, as an admin sees it
        Assert.Contains("Menu da conta", html); // the top bar (its menus render their items only when opened)
        AssertNoEnglish("not found (with the top bar and menu)", html);
    }

    [Fact]
    public async Task EveryPageOfTheMenu_InPortuguese_ShowsNoEnglish_AsItIsFirstSent()
    {
        // A job with a mailbox, so the job page shows its sections with something in them.
        Guid jobId;
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var job = await scope.ServiceProvider.GetRequiredService<Ligbox.Core.Jobs.JobService>().CreateAsync(new Ligbox.Core.Jobs.CreateJobRequest
            {
                Domain = "todas-paginas.example",
                TicketId = "HD-16",
                Source = new() { Host = "imap.old.example" },
                Destination = new() { Host = "imap.new.example" },
            }, "pt.every@ligbox.test");
            await scope.ServiceProvider.GetRequiredService<Ligbox.Core.Mailboxes.MailboxService>().AddAsync(job.Id,
                new Ligbox.Core.Jobs.AddMailboxRequest { SourceUser = "ana@todas-paginas.example", SourcePassword = "x", DestUser = "ana@new.example", DestPassword = "y" },
                "pt.every@ligbox.test");
            jobId = job.Id;
        }

        var admin = await SignedInAsync("pt.every@ligbox.test");
        string[] pages = ["/", "/migration/jobs", "/migration/jobs/new", $"/migration/jobs/{jobId}", "/admin/users", "/admin/tokens",
            "/admin/webhooks", "/admin/tools", "/admin/desk", "/admin/nodes"];
        foreach (var page in pages)
        {
            using var answer = await admin.GetAsync(page);
            Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{page}: {(int)answer.StatusCode}");
            var html = await answer.Content.ReadAsStringAsync();
            Assert.Contains("lang=\"pt\"", html);
            // "pedido (ticket)" is the glossary's Portuguese for a ticket (docs/glossary.md); the first account's display name
            // is data ("Administrator", set at the first start), not a text of the page.
            AssertNoEnglish(page, html, page == "/admin/users" ? ["ticket", "Administrator"] : ["ticket"]);
        }
    }

    [Fact]
    public async Task TheCheck_FindsEnglishOnAPage()
    {
        // The check above must be able to fail: the English sign-in page is full of texts it looks for.
        var html = await Browser("en").GetStringAsync("/account/login");
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AssertNoEnglish("sign-in", html));
    }

    [Fact]
    public async Task TheSwitch_SetsTheCookie_ForAVisitor()
    {
        var client = Browser("en-US");
        var token = Token(await client.GetStringAsync("/account/login"));
        using var response = await client.PostAsync("/account/language", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["language"] = "pt", ["returnUrl"] = "/account/login", ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/account/login", response.Headers.Location?.ToString());
        Assert.Contains("Iniciar sessão", WebUtility.HtmlDecode(await client.GetStringAsync("/account/login")));
    }

    [Fact]
    public async Task TheSwitch_SavesTheProfile_OfASignedInPerson()
    {
        var client = await SignedInAsync("switch.profile@ligbox.test", acceptLanguage: "en-US");
        var token = Token(await client.GetStringAsync("/account/profile"));
        using var response = await client.PostAsync("/account/language", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["language"] = "pt", ["returnUrl"] = "/account/profile", ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("pt", (await FindUserAsync("switch.profile@ligbox.test"))!.Language);
        // The sign-in was renewed with the new language: the profile page shows it chosen.
        Assert.Matches("<option value=\"pt\" selected", await client.GetStringAsync("/account/profile"));

        // The profile wins over the browser, also in a new sign-in without the switch's cookie.
        var fresh = await SignedInAsync("switch.profile@ligbox.test", acceptLanguage: "en-US");
        Assert.Contains("Idioma e fuso horário", WebUtility.HtmlDecode(await fresh.GetStringAsync("/account/profile")));
    }

    [Theory]
    [InlineData("klingon")]
    [InlineData("")]
    public async Task TheSwitch_RefusesAnUnknownLanguage(string language)
    {
        var client = Browser();
        var token = Token(await client.GetStringAsync("/account/login"));
        using var response = await client.PostAsync("/account/language", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["language"] = language, ["returnUrl"] = "/", ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task TheSwitch_NeedsTheFormsToken()
    {
        using var response = await Browser().PostAsync("/account/language", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["language"] = "pt", ["returnUrl"] = "/",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static async Task<HttpResponseMessage> SaveProfileAsync(HttpClient client, string language, string timeZone)
    {
        var token = Token(await client.GetStringAsync("/account/profile"));
        return await client.PostAsync("/account/profile", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "profile", ["Input.Language"] = language, ["Input.TimeZone"] = timeZone, ["__RequestVerificationToken"] = token,
        }));
    }

    [Fact]
    public async Task TheProfile_KeepsALanguageAndATimeZone()
    {
        var client = await SignedInAsync("profile.save@ligbox.test", acceptLanguage: "en-US");
        using (var saved = await SaveProfileAsync(client, "pt", "America/Sao_Paulo"))
        {
            Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
            Assert.EndsWith("/account/profile?saved=1", saved.Headers.Location?.ToString());
        }

        var user = await FindUserAsync("profile.save@ligbox.test");
        Assert.Equal("pt", user!.Language);
        Assert.Equal("America/Sao_Paulo", user.TimeZoneId);
        var page = await client.GetStringAsync("/account/profile?saved=1");
        Assert.Contains("Guardado.", WebUtility.HtmlDecode(page));
        Assert.Matches("<option value=\"America/Sao_Paulo\" selected", page);

        // Back to the browser's choices: the browser (English here) decides again.
        using (await SaveProfileAsync(client, "", ""))
        {
        }

        user = await FindUserAsync("profile.save@ligbox.test");
        Assert.Null(user!.Language);
        Assert.Null(user.TimeZoneId);
        Assert.Contains("Language and time zone", await client.GetStringAsync("/account/profile"));
    }

    [Fact]
    public async Task TheProfile_RefusesAnUnknownTimeZone_InPlainWords()
    {
        var client = await SignedInAsync("profile.bad@ligbox.test", acceptLanguage: "en-US");
        using var response = await SaveProfileAsync(client, "en", "Mars/Olympus_Mons");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Unknown time zone", await response.Content.ReadAsStringAsync());
        Assert.Null((await FindUserAsync("profile.bad@ligbox.test"))!.TimeZoneId);
    }
}
