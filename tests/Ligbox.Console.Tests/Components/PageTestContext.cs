using AngleSharp.Dom;
using Bunit;
using Bunit.TestDoubles;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Core.Audit;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace Ligbox.Console.Tests.Components;

/// <summary>
/// bUnit context for the console's pages: MudBlazor services, a signed-in technician, an
/// interactive renderer, and the real Core services of a <see cref="LigboxAppFactory"/> host (its
/// temp SQLite database), so pages read and write real rows.
/// </summary>
public sealed class PageTestContext : BunitContext
{
    public const string UserName = "tech.bunit@ligbox.test";

    private readonly AsyncServiceScope _scope;

    /// <summary>The signed-in user; bUnit's authorization grants only the policies given to <c>SetPolicies</c>.</summary>
    public BunitAuthorizationContext Auth { get; }

    public PageTestContext(LigboxAppFactory app)
    {
        _scope = app.Services.CreateAsyncScope();
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddLocalization(); // pages ask IStringLocalizer<Marker> for their texts
        Services.AddTransient<MudLocalizer, Ligbox.Console.Components.Shared.ConsoleMudLocalizer>();
        // Core services hold no per-request state (each operation opens its own DbContext), so the
        // host's instances can serve the rendered pages.
        Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<JobService>());
        Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<MailboxService>());
        Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<JobOverviewService>());
        Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<JobChangeNotifier>());
        Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<AuditLog>());
        Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<Core.Gate.GateService>());
        Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<Ligbox.Core.Pst.PstImportService>());
        Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<Ligbox.Core.Zimbra.ZimbraImportService>());
        Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<Ligbox.Core.Zimbra.ZimbraSshService>());
        Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<Ligbox.Tools.Engines.EngineRegistry>());
        Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Ligbox.Core.Uploads.UploadOptions>>());
        Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<Core.Scheduling.DeltaScheduleService>());
        Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<Core.Runs.RunService>());
        Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<Core.Runs.RunProgressNotifier>());
        Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<ConnectionTestService>());
        Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<Core.Desk.DeskService>());
        Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<Core.Dashboard.DashboardService>());
        Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<Core.OAuth.OAuthService>()); // issue 15: the job page's OAuth panel
        Auth = AddAuthorization();
        Auth.SetAuthorized(UserName).SetRoles(Roles.Technician);
        // After the services: rendering freezes the service provider.
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    /// <summary>Renders the page after a popover provider (MudSelect and the data grid's menus need one).</summary>
    public IRenderedComponent<TPage> RenderPage<TPage>()
        where TPage : IComponent
    {
        var host = Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<TPage>(1);
            builder.CloseComponent();
        });
        return host.FindComponent<TPage>();
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        await _scope.DisposeAsync();
    }
}

public static class RenderedComponentExtensions
{
    /// <summary>The input of a MudBlazor field, by the data-testid given to the component.</summary>
    public static IElement Input<T>(this IRenderedComponent<T> cut, string testId)
        where T : IComponent =>
        cut.Find($"input[data-testid='{testId}'], textarea[data-testid='{testId}'], [data-testid='{testId}'] input");

    /// <summary>The text of the element with this data-testid as a reader sees it: runs of whitespace as one space, trimmed.</summary>
    public static string Words<T>(this IRenderedComponent<T> cut, string testId)
        where T : IComponent =>
        System.Text.RegularExpressions.Regex.Replace(cut.Find($"[data-testid='{testId}']").TextContent, @"\s+", " ").Trim();
}
