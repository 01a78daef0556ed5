using System.Net;
using System.Security.Cryptography;
using System.Threading.RateLimiting;
using Ligbox.Console.Auth;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.HttpOverrides;
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
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many sign-in attempts.",
                Detail = "Too many sign-in attempts from this address or for this account. Wait a minute and try again.",
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
