using System.Net;
using System.Security.Cryptography;
using System.Threading.RateLimiting;
using Ligbox.Console.Auth;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace Ligbox.Console.Security;

/// <summary>
/// HTTP hardening (issue 12): forwarded headers from known proxies only, security headers with a strict
/// CSP, HSTS on HTTPS, no <c>Server</c> header, sign-in rate limits, the revalidating authentication state
/// and the caller that Core's <see cref="Core.Security.RightsGuard"/> checks.
/// </summary>
public static class WebSecurity
{
    public const string SignInPolicy = "sign-in";
    public const string NonceItem = "ligbox:csp-nonce";

    public static WebApplicationBuilder AddLigboxWebSecurity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.WebHost.ConfigureKestrel(o => o.AddServerHeader = false);
        services.AddOptions<WebSecurityOptions>().BindConfiguration(WebSecurityOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SignInLimitOptions>().BindConfiguration(SignInLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ForwardedHeadersSettings>().BindConfiguration(ForwardedHeadersSettings.Section).ValidateDataAnnotations().ValidateOnStart();
        // Checked here too, while the host is built: a wrong proxy address stops the start at once, naming the
        // setting, instead of surfacing from whichever start-up step first reads the forwarded-headers options.
        var proxies = builder.Configuration.GetSection(ForwardedHeadersSettings.Section).Get<ForwardedHeadersSettings>() ?? new ForwardedHeadersSettings();
        var proxyProblems = proxies.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(proxies)).Select(r => r.ErrorMessage!).ToList();
        if (proxyProblems.Count > 0)
        {
            throw new OptionsValidationException(ForwardedHeadersSettings.Section, typeof(ForwardedHeadersSettings), proxyProblems);
        }

        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ForwardedHeadersSettings>>((o, settings) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            // Defaults trust loopback only; add the configured proxies. Anything else is ignored.
            foreach (var proxy in settings.Value.KnownProxies)
            {
                if (IPAddress.TryParse(proxy, out var address))
                {
                    o.KnownProxies.Add(address);
                }
            }

            foreach (var network in settings.Value.KnownNetworks)
            {
                if (System.Net.IPNetwork.TryParse(network, out var parsed))
                {
                    o.KnownIPNetworks.Add(parsed);
                }
            }
        });

        // Secure whenever the request is HTTPS (directly, or X-Forwarded-Proto from a known proxy); the
        // auth cookie's default policy is the same.
        services.AddAntiforgery(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        services.AddScoped<AuthenticationStateProvider, RevalidatingAuthStateProvider>();
        services.AddScoped<CircuitHandler, CallerCircuitHandler>();
        services.AddSingleton<SignInAccountLimiter>();
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(SignInPolicy, context =>
            {
                var limits = context.RequestServices.GetRequiredService<IOptionsMonitor<SignInLimitOptions>>().CurrentValue;
                var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                return RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = limits.PermitsPerAddress,
                    Window = limits.Window,
                    QueueLimit = 0,
                });
            });
            o.OnRejected = (context, _) => SignInThrottledAsync(context.HttpContext, context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? retry : null);
        });
        return builder;
    }

    /// <summary>First in the pipeline: the proxy's view of scheme and client, then the headers every answer carries.</summary>
    public static WebApplication UseLigboxForwardedHeadersAndHeaders(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.Use(async (context, next) =>
        {
            var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            context.Items[NonceItem] = nonce;
            var hstsMaxAge = context.RequestServices.GetRequiredService<IOptions<WebSecurityOptions>>().Value.HstsMaxAge;
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.XFrameOptions = "DENY";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
                headers.ContentSecurityPolicy = ContentSecurityPolicy(nonce);
                if (context.Request.IsHttps && hstsMaxAge > TimeSpan.Zero)
                {
                    headers.StrictTransportSecurity = $"max-age={(long)hstsMaxAge.TotalSeconds}; includeSubDomains";
                }

                return Task.CompletedTask;
            });
            await next(context);
        });
        return app;
    }

    /// <summary>
    /// CSRF for the API (after authentication): a browser can send a cookie-authenticated cross-site POST only
    /// with a "simple" body (form, multipart, text/plain); those must carry an antiforgery token (form field or
    /// <c>RequestVerificationToken</c> header). JSON and text/csv bodies need a CORS pre-flight, which the
    /// console never grants, and bearer-token clients are not exposed to CSRF at all. The auth cookie is
    /// SameSite=Lax too.
    /// </summary>
    public static WebApplication UseApiCsrfCheck(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (request.Path.StartsWithSegments("/api") && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method)
                && !HttpMethods.IsOptions(request.Method) && context.User.Identity?.IsAuthenticated == true
                && !context.User.HasClaim(LigboxClaims.AuthKind, LigboxClaims.TokenKind) && IsSimpleContentType(request.ContentType)
                && !await context.RequestServices.GetRequiredService<Microsoft.AspNetCore.Antiforgery.IAntiforgery>().IsRequestValidAsync(context))
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                IStringLocalizer<Endpoints.ApiText> L = context.RequestServices.GetRequiredService<IStringLocalizer<Endpoints.ApiText>>();
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status400BadRequest,
                        Title = "Missing antiforgery token.",
                        Detail = L["A signed-in browser's form post to the API needs the page's antiforgery token. API clients use a bearer token."],
                    },
                });
                return;
            }

            await next(context);
        });
        return app;
    }

    private static bool IsSimpleContentType(string? contentType) =>
        contentType is not null
        && (contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Scripts only from this origin, plus the one inline import map Blazor writes (by nonce). Styles need
    /// 'unsafe-inline': MudBlazor renders style="" attributes and a theme &lt;style&gt; element, which a
    /// nonce cannot cover for attributes. WebSockets of the circuit are same-origin ('self').
    /// </summary>
    public static string ContentSecurityPolicy(string nonce) =>
        $"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static string? CspNonce(this HttpContext context) => context.Items[NonceItem] as string;

    internal static async ValueTask SignInThrottledAsync(HttpContext context, TimeSpan? retryAfter)
    {
        if (retryAfter is { } retry)
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        // A browser's form post goes back to the sign-in page with a plain message; scripts get a 429 problem.
        if (context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Redirect("/account/login?error=throttled");
            return;
        }

        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        IStringLocalizer<Endpoints.ApiText> L = context.RequestServices.GetRequiredService<IStringLocalizer<Endpoints.ApiText>>();
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many sign-in attempts.",
                Detail = L["Too many sign-in attempts from this address or for this account. Wait a minute and try again."],
            },
        });
    }
}

/// <summary>Per-account sign-in attempts (the address limit is the rate limiter's policy; the account is in the form body).</summary>
public sealed class SignInAccountLimiter(IOptionsMonitor<SignInLimitOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(account =>
        RateLimitPartition.GetFixedWindowLimiter(account, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.CurrentValue.PermitsPerAccount,
            Window = options.CurrentValue.Window,
            QueueLimit = 0,
        }), StringComparer.OrdinalIgnoreCase);

    public bool TryAcquire(string account) => _limiter.AttemptAcquire(account.Trim().ToLowerInvariant()).IsAcquired;

    public void Dispose() => _limiter.Dispose();
}
