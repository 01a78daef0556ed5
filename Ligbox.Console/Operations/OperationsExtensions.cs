using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ligbox.Core.Telemetry;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Ligbox.Console.Operations;

/// <summary>Who may read <c>/metrics</c>, bound from <c>Ligbox:Metrics</c> (see docs/operations.md).</summary>
public sealed class MetricsOptions
{
    public const string Section = "Ligbox:Metrics";

    /// <summary>Serve <c>/metrics</c> at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// A scraper on this host (a loopback connection with no forwarding headers) reads without a token. A request that
    /// came through a reverse proxy never counts as local, even when the proxy runs on this host.
    /// </summary>
    public bool AllowLoopback { get; set; } = true;

    /// <summary>When set, any scraper may read with <c>Authorization: Bearer &lt;token&gt;</c> (Prometheus' <c>authorization</c> setting).</summary>
    public string? Token { get; set; }
}

/// <summary><c>/healthz</c> (ASP.NET Core health checks, JSON) and <c>/metrics</c> (OpenTelemetry's Prometheus exporter).</summary>
public static class OperationsExtensions
{
    public const string MetricsPath = "/metrics";
    public const string HealthPath = "/healthz";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The metrics pipeline: the Core meter exported for Prometheus (no other instrumentation: no request URLs or users in it).</summary>
    public static WebApplicationBuilder AddLigboxOperations(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section);
        if (Options(builder.Configuration).Enabled)
        {
            builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(LigboxMetrics.MeterName).AddPrometheusExporter());
        }

        return builder;
    }

    /// <summary>
    /// <c>/metrics</c>, early in the pipeline (after the forwarded headers, so the client address is the real one): its own
    /// access rule instead of the console's sign-in, which a scraper does not have.
    /// </summary>
    public static WebApplication UseLigboxMetrics(this WebApplication app)
    {
        if (Options(app.Configuration).Enabled)
        {
            app.UseOpenTelemetryPrometheusScrapingEndpoint(meterProvider: null, predicate: ctx => ctx.Request.Path == MetricsPath, path: null,
                configureBranchedPipeline: branch => branch.Use(RequireMetricsAccessAsync), optionsName: null);
        }

        return app;
    }

    /// <summary><c>/healthz</c>: anonymous, JSON, 200 when healthy or degraded, 503 when unhealthy; plain words and figures only.</summary>
    public static IEndpointConventionBuilder MapLigboxHealth(this IEndpointRouteBuilder app) =>
        app.MapHealthChecks(HealthPath, new HealthCheckOptions { ResponseWriter = WriteHealthAsync }).AllowAnonymous();

    /// <summary>Whether this request may read the metrics: a bearer token equal to the configured one, or a local scraper.</summary>
    internal static bool MayReadMetrics(HttpContext context, MetricsOptions options)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!string.IsNullOrEmpty(options.Token) && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            // Hashes of equal length, compared in constant time: the answer time says nothing about the token.
            return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(header[7..].Trim())), SHA256.HashData(Encoding.UTF8.GetBytes(options.Token)));
        }

        return options.AllowLoopback
            && context.Connection.RemoteIpAddress is { } address && IPAddress.IsLoopback(address)
            && !context.Request.Headers.ContainsKey("X-Forwarded-For") && !context.Request.Headers.ContainsKey("X-Original-For")
            && !context.Request.Headers.ContainsKey("Forwarded");
    }

    private static MetricsOptions Options(IConfiguration configuration) =>
        configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions();

    private static async Task RequireMetricsAccessAsync(HttpContext context, RequestDelegate next)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (MayReadMetrics(context, options))
        {
            await next(context);
            return;
        }

        var withToken = !string.IsNullOrEmpty(options.Token);
        if (withToken)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }

        await Results.Problem(
            statusCode: withToken ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden,
            title: "The metrics are not readable from here.",
            detail: withToken
                ? "Send the metrics token as 'Authorization: Bearer <token>' (Ligbox:Metrics:Token), or scrape from this host."
                : "Scrape from this host, or set Ligbox:Metrics:Token and send it as a bearer token (docs/operations.md).").ExecuteAsync(context);
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            durationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                data = e.Value.Data,
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }
}
