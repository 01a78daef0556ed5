using System.Net;
using System.Text;
using Ligbox.Console.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Ligbox.Console.Tests.Security;

/// <summary>Headers on every answer, and HTTPS behind a reverse proxy: believed from a known proxy only (issue 12).</summary>
public class SecurityHeadersTests(SecurityHeadersTests.App app) : IClassFixture<SecurityHeadersTests.App>
{
    private static readonly IPAddress Proxy = IPAddress.Parse("10.20.30.40");
    private static readonly IPAddress Stranger = IPAddress.Parse("203.0.113.9");

    public sealed class App() : SecurityAppFactory(new Dictionary<string, string?> { ["Ligbox:ForwardedHeaders:KnownProxies:0"] = "10.20.30.40" });

    [Theory]
    [InlineData("/account/login")]
    [InlineData("/api/migration/jobs")]
    [InlineData("/no/such/page")]
    public async Task EveryAnswer_CarriesTheSecurityHeaders(string path)
    {
        using var response = await app.CreateClient().GetAsync(path);

        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        var csp = Header(response, "Content-Security-Policy");
        var scriptSrc = csp.Split(';').Select(d => d.Trim()).Single(d => d.StartsWith("script-src", StringComparison.Ordinal));
        Assert.Matches("^script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}'$", scriptSrc);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"), "no HSTS over plain HTTP");
    }

    [Fact]
    public async Task ImportMap_CarriesTheNonceOfItsAnswer()
    {
        using var response = await app.CreateClient().GetAsync("/account/login");
        // The attribute is HTML-encoded (a '+' of the base64 nonce is written "&#x2B;"); the browser reads it decoded.
        var html = System.Net.WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        var nonce = System.Text.RegularExpressions.Regex.Match(Header(response, "Content-Security-Policy"), "'nonce-([^']+)'").Groups[1].Value;

        Assert.Matches($"<script(?=[^>]*type=\"importmap\")(?=[^>]*nonce=\"{System.Text.RegularExpressions.Regex.Escape(nonce)}\")", html);
        Assert.DoesNotMatch("<script(?![^>]*(src=|nonce=))[^>]*>", html);
    }

    [Fact]
    public async Task HttpsFromKnownProxy_GivesSecureCookiesAndHsts()
    {
        var page = await app.SendFromAsync(Proxy, "GET", "/account/login", c => c.Request.Headers["X-Forwarded-Proto"] = "https");

        Assert.StartsWith("max-age=31536000", page.Response.Headers.StrictTransportSecurity.ToString(), StringComparison.Ordinal);
        var antiforgery = Cookies(page).Single(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
        Assert.Contains("secure", antiforgery, StringComparison.OrdinalIgnoreCase);

        // Sign in through the proxy: the auth cookie is Secure too.
        var html = await new StreamReader(page.Response.Body).ReadToEndAsync();
        var form = $"email={Uri.EscapeDataString(LigboxAppFactory.AdminEmail)}&password={Uri.EscapeDataString(LigboxAppFactory.AdminPassword)}&returnUrl=%2F" +
                   $"&__RequestVerificationToken={Uri.EscapeDataString(SecurityAppFactory.AntiforgeryToken(html))}";
        var signIn = await app.SendFromAsync(Proxy, "POST", "/account/login", c =>
        {
            c.Request.Headers["X-Forwarded-Proto"] = "https";
            c.Request.Headers.Cookie = antiforgery.Split(';')[0];
            c.Request.ContentType = "application/x-www-form-urlencoded";
            c.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(form));
        });

        Assert.Equal(StatusCodes.Status302Found, signIn.Response.StatusCode);
        var auth = Cookies(signIn).Single(c => c.StartsWith("ligbox.auth=", StringComparison.Ordinal));
        Assert.Contains("secure", auth, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ForwardedHttpsFromUnknownAddress_IsIgnored()
    {
        var page = await app.SendFromAsync(Stranger, "GET", "/account/login", c => c.Request.Headers["X-Forwarded-Proto"] = "https");

        Assert.Equal(StringValues.Empty, page.Response.Headers.StrictTransportSecurity);
        Assert.DoesNotContain(Cookies(page), c => c.Contains("secure", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("http", page.Request.Scheme);
        Assert.Equal(Stranger, page.Connection.RemoteIpAddress);
    }

    [Fact]
    public async Task ForwardedClientAddress_FromKnownProxy_BecomesTheRemoteAddress()
    {
        var page = await app.SendFromAsync(Proxy, "GET", "/account/login", c => c.Request.Headers["X-Forwarded-For"] = "198.51.100.7");

        Assert.Equal(IPAddress.Parse("198.51.100.7"), page.Connection.RemoteIpAddress);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(",", values) : "";

    private static IEnumerable<string> Cookies(HttpContext context) => context.Response.Headers.SetCookie.Select(c => c ?? "");
}
