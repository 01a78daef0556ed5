using System.Net;
using System.Text.RegularExpressions;
using Bunit;
using Ligbox.Console.Components.Pages.Admin;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Console.Tests.Localization;
using Ligbox.Core.Accounts;
using Ligbox.Core.Webhooks;
using Ligbox.Tools.Inventory;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace Ligbox.Console.Tests.Components.Pages.Admin;

/// <summary>
/// The admin pages and their dialogs in Portuguese (issue 16): with the Portuguese culture every text of AdminText shows
/// its Portuguese and none of its English; with English they keep their English texts. Real Core services on a temp
/// SQLite database, as an admin.
/// </summary>
public class AdminPagesPortugueseTests(LigboxAppFactory app) : IClassFixture<LigboxAppFactory>, IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly BunitContext _ctx = new();
    private AsyncServiceScope? _scope;
    private IRenderedComponent<Bunit.Rendering.ContainerFragment>? _host;

    /// <summary>Everything rendered: the page and the dialogs its provider shows.</summary>
    private IRenderedComponent<Bunit.Rendering.ContainerFragment> Host => _host ?? throw new InvalidOperationException("render first");

    /// <summary>The page as the admin sees it, on the host's real Core services (its temp SQLite database).</summary>
    private IRenderedComponent<TPage> Render<TPage>()
        where TPage : IComponent
    {
        _scope = app.Services.CreateAsyncScope();
        var services = _scope.Value.ServiceProvider;
        _ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        _ctx.Services.AddMudServices();
        _ctx.Services.AddLocalization();
        _ctx.Services.AddSingleton(services.GetRequiredService<ApiTokenService>());
        _ctx.Services.AddSingleton(services.GetRequiredService<WebhookService>());
        _ctx.Services.AddSingleton(services.GetRequiredService<IToolInventory>());
        // UsersPage opens a scope per operation: each resolves the host's service.
        _ctx.Services.AddScoped(_ => services.GetRequiredService<UserAdminService>());
        _ctx.AddAuthorization().SetAuthorized(LigboxAppFactory.AdminEmail).SetRoles(Roles.Admin);
        _ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        _host = _ctx.Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<TPage>(2);
            builder.CloseComponent();
        });
        return _host.FindComponent<TPage>();
    }

    private static string Markup<TPage>(IRenderedComponent<TPage> cut)
        where TPage : IComponent => WebUtility.HtmlDecode(cut.Markup);

    [Fact]
    public async Task UsersPage_AndItsDialogs_ArePortuguese()
    {
        await app.CreateUserAsync("pt.tecnico@ligbox.test", Roles.Technician, displayName: "Ana Técnica");
        using var _ = new CultureScope("pt-PT");
        var cut = Render<UsersPage>();
        cut.WaitForAssertion(() => Assert.Contains("pt.tecnico@ligbox.test", cut.Markup), Patience);
        // Names and e-mails are data (the seeded admin is called "Administrator"): what is checked is the page's own words.
        var users = await _scope!.Value.ServiceProvider.GetRequiredService<UserAdminService>().ListAsync();
        var page = users.SelectMany(u => new[] { u.DisplayName, u.Email }).OfType<string>()
            .Aggregate(Markup(cut), (text, data) => text.Replace(data, "", StringComparison.Ordinal));
        Assert.Contains("Novo utilizador", page);
        Assert.Contains("Repor palavra-passe", page);
        Assert.Contains("Função", page);
        Assert.Contains("Activo", page);
        FeatureTexts.AssertNoEnglish("AdminText", "users page", page);

        cut.Find("[data-testid=create-user]").Click();
        cut.WaitForAssertion(() => Assert.NotEmpty(Host.FindAll("[data-testid=create-user-dialog]")), Patience);
        var dialog = users.SelectMany(u => new[] { u.DisplayName, u.Email }).OfType<string>()
            .Aggregate(WebUtility.HtmlDecode(Host.Markup), (text, data) => text.Replace(data, "", StringComparison.Ordinal));
        Assert.Contains("Palavra-passe inicial", dialog);
        Assert.Contains("Criar utilizador", dialog);
        FeatureTexts.AssertNoEnglish("AdminText", "new user dialog", dialog);

        // Saving without an e-mail says so in Portuguese.
        Host.Find("[data-testid=create-user-save]").Click();
        Host.WaitForAssertion(() => Assert.Contains("Indique o endereço de e-mail do utilizador.", Host.Find("[data-testid=create-user-error]").TextContent), Patience);
    }

    [Fact]
    public async Task ResetPasswordDialog_IsPortuguese()
    {
        using var _ = new CultureScope("pt-PT");
        var cut = Render<UsersPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=user-email]")), Patience);
        cut.FindAll("button").First(b => b.TextContent.Contains("Repor palavra-passe")).Click();
        cut.WaitForAssertion(() => Assert.NotEmpty(Host.FindAll("[data-testid=reset-password-dialog]")), Patience);
        var users = await _scope!.Value.ServiceProvider.GetRequiredService<UserAdminService>().ListAsync();
        var dialog = users.SelectMany(u => new[] { u.DisplayName, u.Email }).OfType<string>()
            .Aggregate(WebUtility.HtmlDecode(Host.Markup), (text, data) => text.Replace(data, "", StringComparison.Ordinal));
        Assert.Contains("Nova palavra-passe", dialog);
        Assert.Contains("Definir palavra-passe", dialog);
        FeatureTexts.AssertNoEnglish("AdminText", "reset password dialog", dialog);
    }

    [Fact]
    public async Task TokensPage_AndTheNewTokenDialog_ArePortuguese()
    {
        await app.CreateTokenAsync(Scopes.JobsRead);
        using var _ = new CultureScope("pt-PT");
        var cut = Render<TokensPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=token-name]")), Patience);
        var page = Markup(cut);
        Assert.Contains("Tokens da API", page);
        Assert.Contains("Novo token", page);
        Assert.Contains("Última utilização", page);
        Assert.Contains("Activo", page);
        FeatureTexts.AssertNoEnglish("AdminText", "tokens page", page);

        cut.Find("[data-testid=create-token]").Click();
        cut.WaitForAssertion(() => Assert.NotEmpty(Host.FindAll("[data-testid=create-token-dialog]")), Patience);
        Host.Find("input[data-testid=token-name-input], [data-testid=token-name-input] input").Change("automação pt");
        Host.Find("[data-testid=create-token-save]").Click();
        Host.WaitForAssertion(() => Assert.NotEmpty(Host.FindAll("[data-testid=token-secret]")), Patience);
        var dialog = WebUtility.HtmlDecode(Host.Markup);
        Assert.Contains("Copie o token agora", dialog);
        Assert.Contains("Já o copiei", dialog);
        FeatureTexts.AssertNoEnglish("AdminText", "new token dialog", dialog);
    }

    [Fact]
    public async Task WebhooksPage_AndItsDialog_ArePortuguese()
    {
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var webhooks = scope.ServiceProvider.GetRequiredService<WebhookService>();
            if ((await webhooks.ListEndpointsAsync()).Count == 0)
            {
                await webhooks.AddEndpointAsync("http://127.0.0.1:9/pt-hooks", "0123456789abcdef0123", [.. WebhookEvents.All], LigboxAppFactory.AdminEmail);
            }
        }

        using var _ = new CultureScope("pt-PT");
        var cut = Render<WebhooksPage>();
        cut.WaitForAssertion(() => Assert.Contains("http://127.0.0.1:9/pt-hooks", cut.Markup), Patience);
        var page = Markup(cut);
        Assert.Contains("Entregas recentes", page);
        Assert.Contains("Enviar evento de teste", page);
        FeatureTexts.AssertNoEnglish("AdminText", "webhooks page", page);

        cut.Find("[data-testid=add-webhook]").Click();
        cut.WaitForAssertion(() => Assert.NotEmpty(Host.FindAll("[data-testid=webhook-dialog]")), Patience);
        var dialog = WebUtility.HtmlDecode(Host.Markup);
        Assert.Contains("Segredo de assinatura", dialog);
        Assert.Contains("Gerar", dialog);
        FeatureTexts.AssertNoEnglish("AdminText", "new webhook dialog", dialog);
    }

    [Fact]
    public void ToolsPage_IsPortuguese()
    {
        using var _ = new CultureScope("pt-PT");
        var cut = Render<ToolsPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=tools-table] tbody tr")), TimeSpan.FromSeconds(20));
        // The install hints and problems come from the tools' probes in English (configuration keys, commands): the page's
        // own words are checked, and the status chips.
        var rows = string.Concat(cut.FindAll("[data-testid=tools-table] tbody td[data-label=Estado]").Select(td => td.TextContent));
        var page = Regex.Replace(Markup(cut), "<tbody[\\s\\S]*</tbody>", "") + rows;
        Assert.Contains("Ferramentas externas", page);
        Assert.Contains("Verificar de novo", page);
        Assert.Contains("O que fazer", page);
        Assert.Matches("instalado|em falta", rows);
        FeatureTexts.AssertNoEnglish("AdminText", "tools page", page);
    }

    [Fact]
    public void UsersPage_StaysEnglish_InEnglish()
    {
        using var _ = new CultureScope("en-US");
        var cut = Render<UsersPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=user-email]")), Patience);
        var page = Markup(cut);
        Assert.Contains("New user", page);
        Assert.Contains("Reset password", page);
        Assert.DoesNotContain("Novo utilizador", page);
        // The check used above finds English when there is some.
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => FeatureTexts.AssertNoEnglish("AdminText", "users page", page));
    }

    public async ValueTask DisposeAsync()
    {
        await _ctx.DisposeAsync();
        if (_scope is { } scope)
        {
            await scope.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
