using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Security;

/// <summary>Sign-in: one answer for every failure, rate limits per address and per account (issue 12).</summary>
public class SignInTests
{
    private static async Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string email, string password, string? returnUrl = "/", bool html = false)
    {
        var token = SecurityAppFactory.AntiforgeryToken(await client.GetStringAsync("/account/login"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["email"] = email, ["password"] = password, ["returnUrl"] = returnUrl ?? "", ["__RequestVerificationToken"] = token,
            }),
        };
        if (html)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        }

        return await client.SendAsync(request);
    }

    private static HttpClient Browser(LigboxAppFactory app) =>
        app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    [Fact]
    public async Task EveryFailure_GetsTheSameAnswer()
    {
        await using var app = new SecurityAppFactory(new Dictionary<string, string?>());
        await ((IAsyncLifetime)app).InitializeAsync();
        var disabled = await app.CreateUserAsync("disabled.signin@ligbox.test", Roles.Technician);
        var locked = await app.CreateUserAsync("locked.signin@ligbox.test", Roles.Technician);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<UserAdminService>().SetDisabledAsync(disabled.Id, true, LigboxAppFactory.AdminEmail);
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            await users.SetLockoutEndDateAsync((await users.FindByIdAsync(locked.Id))!, DateTimeOffset.UtcNow.AddHours(1));
        }

        var answers = new List<string>();
        foreach (var (email, password) in new[]
        {
            ("nobody@ligbox.test", "Whatever-123!"), (LigboxAppFactory.AdminEmail, "Wrong-Password-1"),
            ("disabled.signin@ligbox.test", LigboxAppFactory.DefaultPassword), ("locked.signin@ligbox.test", LigboxAppFactory.DefaultPassword),
        })
        {
            using var response = await PostLoginAsync(Browser(app), email, password);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            answers.Add(response.Headers.Location!.ToString());
        }

        Assert.Single(answers.Distinct());
        Assert.Equal("/account/login?error=invalid&returnUrl=%2F", answers[0]);
    }

    [Fact]
    public async Task UnknownAccount_TakesAboutAsLongAsAWrongPassword()
    {
        await using var app = new SecurityAppFactory(new Dictionary<string, string?>());
        await ((IAsyncLifetime)app).InitializeAsync();
        var client = Browser(app);
        await PostLoginAsync(client, "warm@ligbox.test", "x"); // JIT and first hash out of the measurement

        async Task<double> TimeAsync(string email, int i)
        {
            var token = SecurityAppFactory.AntiforgeryToken(await client.GetStringAsync("/account/login"));
            var watch = Stopwatch.StartNew();
            using var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["email"] = email, ["password"] = "Wrong-Password-" + i, ["returnUrl"] = "/", ["__RequestVerificationToken"] = token,
            }));
            return watch.Elapsed.TotalMilliseconds;
        }

        // Alternate the two, so that a burst of load from the rest of the suite falls on both alike.
        var unknownTimes = new List<double>();
        var knownTimes = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            unknownTimes.Add(await TimeAsync("nobody.timing@ligbox.test", i));
            knownTimes.Add(await TimeAsync(LigboxAppFactory.AdminEmail, i));
        }

        var unknown = unknownTimes.Order().ElementAt(3);
        var known = knownTimes.Order().ElementAt(3);

        // Before the fix: ~3 ms against ~55 ms. The password hash dominates both now.
        Assert.True(unknown > known * 0.5, $"unknown account {unknown:0} ms, wrong password {known:0} ms");
    }

    [Fact]
    public async Task TooManyAttempts_ForOneAccount_AreRefused_AndTheFormSaysSoPlainly()
    {
        await using var app = new SecurityAppFactory(new Dictionary<string, string?>
        {
            ["Ligbox:SignIn:PermitsPerAccount"] = "2", ["Ligbox:SignIn:PermitsPerAddress"] = "100",
        });
        await ((IAsyncLifetime)app).InitializeAsync();
        var client = Browser(app);

        using var first = await PostLoginAsync(client, "Target@ligbox.test", "Wrong-1");
        using var second = await PostLoginAsync(client, "target@ligbox.test", "Wrong-2");
        using var third = await PostLoginAsync(client, "target@ligbox.test", "Wrong-3");
        using var thirdFromBrowser = await PostLoginAsync(client, "target@ligbox.test", "Wrong-4", html: true);
        using var other = await PostLoginAsync(client, "other@ligbox.test", "Wrong-1");

        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);
        Assert.Equal("/account/login?error=throttled", thirdFromBrowser.Headers.Location?.ToString());
        Assert.Equal(HttpStatusCode.Redirect, other.StatusCode);
        var page = await client.GetStringAsync("/account/login?error=throttled");
        Assert.Contains("Too many sign-in attempts. Wait a minute and try again.", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TooManyAttempts_FromOneAddress_AreRefusedWith429()
    {
        await using var app = new SecurityAppFactory(new Dictionary<string, string?>
        {
            ["Ligbox:SignIn:PermitsPerAccount"] = "100", ["Ligbox:SignIn:PermitsPerAddress"] = "3",
        });
        await ((IAsyncLifetime)app).InitializeAsync();
        var client = Browser(app);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await PostLoginAsync(client, $"user{i}@ligbox.test", "Wrong-1");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.True(response.Headers.RetryAfter is not null, "Retry-After");
            }
        }

        Assert.Equal([HttpStatusCode.Redirect, HttpStatusCode.Redirect, HttpStatusCode.Redirect, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    [Theory]
    [InlineData("/\t/evil.example", "/")]
    [InlineData("//evil.example", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("/migration/jobs?x=1", "/migration/jobs?x=1")]
    public async Task ReturnUrl_OnlyEverLocal_NeverA500(string returnUrl, string expected)
    {
        await using var app = new SecurityAppFactory(new Dictionary<string, string?>());
        await ((IAsyncLifetime)app).InitializeAsync();

        using var response = await PostLoginAsync(Browser(app), LigboxAppFactory.AdminEmail, LigboxAppFactory.AdminPassword, returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(expected, response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Logout_NeedsTheAntiforgeryToken()
    {
        await using var app = new SecurityAppFactory(new Dictionary<string, string?>());
        await ((IAsyncLifetime)app).InitializeAsync();
        var client = await app.SignInAsync(LigboxAppFactory.AdminEmail, LigboxAppFactory.AdminPassword);

        using var forged = await client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string>()));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        using var stillIn = await client.GetAsync("/api/migration/jobs");
        Assert.Equal(HttpStatusCode.OK, stillIn.StatusCode);

        // The sign-out form sits in the account menu (rendered when it opens); the change-password page is a
        // static form with a token for the same user.
        var token = SecurityAppFactory.AntiforgeryToken(await client.GetStringAsync("/account/password"));
        Assert.NotEmpty(token);
        using var real = await client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.Redirect, real.StatusCode);
        using var signedOut = await client.GetAsync("/api/migration/jobs");
        Assert.Equal(HttpStatusCode.Unauthorized, signedOut.StatusCode);
    }
}
