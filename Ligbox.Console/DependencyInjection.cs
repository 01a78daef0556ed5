using System.Text.Json.Serialization;
using Ligbox.Console.Auth;
using Ligbox.Console.Endpoints;
using Ligbox.Console.Localization;
using Ligbox.Console.Operations;
using Ligbox.Console.Realtime;
using Ligbox.Console.Security;
using Ligbox.Core;
using Ligbox.Core.Accounts;
using Ligbox.Tools;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using MudBlazor.Services;

namespace Ligbox.Console;

public static class DependencyInjection
{
    private const string SmartScheme = "Ligbox";

    /// <summary>
    /// The whole console on <paramref name="builder"/>: Core, the tools and the console's own services, built, with
    /// its request pipeline. <c>Program</c> runs it; the start-up tests start it to see what stops it.
    /// </summary>
    public static WebApplication BuildLigboxConsole(this WebApplicationBuilder builder)
    {
        builder.AddLigboxCore();
        builder.Services.AddLigboxTools();
        builder.AddLigboxConsole();
        var app = builder.Build();
        app.UseLigboxConsole();
        RuntimeSettings.LogAtStart(app);
        return app;
    }

    public static WebApplicationBuilder AddLigboxConsole(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // The build output (bin/…/Ligbox.Console.dll) serves MudBlazor's and the framework's assets from the
        // static web assets manifest in every environment, not only Development; published output has no
        // manifest and serves wwwroot as usual.
        builder.WebHost.UseStaticWebAssets();
        // http://localhost:5080 unless ASPNETCORE_URLS, --urls, Urls or Kestrel endpoints say otherwise (the
        // launch profile sets no URL, so it no longer overrides them).
        if (string.IsNullOrWhiteSpace(builder.Configuration["urls"]) && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls("http://localhost:5080");
        }

        services.AddRazorComponents().AddInteractiveServerComponents();
        // Bottom right: top right would cover the pages' action buttons.
        services.AddMudServices(o => o.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight);
        // MudBlazor's own texts (pager, grid menus, clear/close buttons) in Portuguese too.
        services.AddTransient<MudBlazor.MudLocalizer, Components.Shared.ConsoleMudLocalizer>();
        services.AddCascadingAuthenticationState();
        services.AddHttpContextAccessor();
        services.AddProblemDetails();
        services.AddExceptionHandler<DomainExceptionHandler>();
        services.AddOpenApi();
        // Enums travel as their names ("Draft", "StartTls"): readable for people and stable for clients.
        // Names only: a number ("engine": 5) is refused with 400 rather than stored as an undefined value.
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(allowIntegerValues: false)));

        // Users, roles and their stores are registered by AddLigboxCore; the console adds sign-in.
        new IdentityBuilder(typeof(AppUser), typeof(IdentityRole), services).AddSignInManager<LigboxSignInManager>();
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));

        // One default scheme that picks bearer tokens for API clients and the cookie for people.
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = SmartScheme;
                o.DefaultChallengeScheme = SmartScheme;
            })
            .AddPolicyScheme(SmartScheme, "Cookie or bearer token", o => o.ForwardDefaultSelector = ctx =>
                ApiTokenAuthenticationHandler.FindToken(ctx.Request) is not null
                    ? ApiTokenAuthenticationHandler.SchemeName
                    : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies();
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/account/login";
            o.AccessDeniedPath = "/account/denied";
            o.Cookie.Name = "ligbox.auth";
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromHours(12);
            // API callers get status codes, not redirects to the login page.
            o.Events.OnRedirectToLogin = ctx => ApiAwareRedirect(ctx, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = ctx => ApiAwareRedirect(ctx, StatusCodes.Status403Forbidden);
        });
        services.AddAuthorizationBuilder().AddLigboxPolicies();
        services.AddSingleton<IAuthorizationHandler, PermissionHandler>();
        services.AddLigboxRealtime();
        services.AddLigboxLocalization();
        builder.AddLigboxWebSecurity();
        builder.AddLigboxOperations();
        // A browser's WebSocket to /hubs/runs carries its token as ?access_token=; the request log would
        // write that URL out. Pinned here, after the configuration's rules, so no setting can turn it on.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        return builder;
    }

    public static WebApplication UseLigboxConsole(this WebApplication app)
    {
        // Forwarded headers (known proxies only), security headers, CSP and HSTS (Security/WebSecurity.cs).
        app.UseLigboxForwardedHeadersAndHeaders();
        app.UseLigboxMetrics();
        app.UseExceptionHandler();
        // 401/403/404 from the API without a body get a problem-details body too.
        app.UseStatusCodePages();
        // People get a page for an unknown address; the API and the hub keep their problem+json bodies.
        app.UseWhen(ctx => HttpMethods.IsGet(ctx.Request.Method) && !ctx.Request.Path.StartsWithSegments("/api") && !ctx.Request.Path.StartsWithSegments("/hubs"),
            branch => branch.UseStatusCodePagesWithReExecute("/not-found"));
        // After the status code pages, so the re-executed /not-found is routed to its page.
        app.UseRouting();
        app.UseAuthentication();
        app.UseCallerScope();
        // After authentication: a signed-in person's profile language comes first (Localization/ConsoleLocalization.cs).
        app.UseRequestLocalization();
        app.UseApiCsrfCheck();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseMiddleware<PasswordChangeRequiredMiddleware>();
        app.UseAntiforgery();
        if (!app.Services.GetRequiredService<Ligbox.Core.Nodes.NodeIdentity>().ServesUi)
        {
            // issue 17: a worker node (Ligbox:Node:Role=worker) executes runs only: no UI, no API, only /healthz.
            app.MapLigboxHealth();
            return app;
        }

        app.MapStaticAssets();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapLigboxHealth();
        app.MapAccountEndpoints();
        app.MapJobsEndpoints();
        app.MapDashboardEndpoints();
        app.MapPresetEndpoints(); // issue 15: provider presets
        app.MapOAuthEndpoints(); // issue 15: OAuth 2.0 settings, consent callback, device sign-in
        app.MapGateEndpoints();
        app.MapRunsEndpoints();
        app.MapScheduleEndpoints();
        app.MapPstEndpoints();
        app.MapZimbraEndpoints();
        app.MapZimbraSshEndpoints();
        app.MapReportEndpoints();
        app.MapDeskEndpoints();
        app.MapWebhookEndpoints();
        app.MapNodeEndpoints(); // issue 17: GET /api/nodes
        app.MapTusUploads(Policies.JobsWrite);
        app.MapLigboxRealtime();
        app.MapRazorComponents<Components.App>().AddInteractiveServerRenderMode();
        return app;
    }

    private static Task ApiAwareRedirect(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> ctx, int status)
    {
        if (ctx.Request.Path.StartsWithSegments("/api") || ctx.Request.Path.StartsWithSegments("/hubs"))
        {
            ctx.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }
}
