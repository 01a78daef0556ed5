using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using Bunit;
using Ligbox.Console.Components.Pages.Jobs;
using Ligbox.Console.Components.Pages.Jobs.Components;
using Ligbox.Console.Components.Shared;
using Ligbox.Console.Tests.Gate;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Console.Tests.Localization;
using Ligbox.Core.Gate;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Ligbox.Console.Tests.Components.Pages.Jobs;

/// <summary>One job ready for its gate (a failed mailbox, a ticket, an excluded mailbox) for the pages in Portuguese.</summary>
public sealed class PortugueseJobData : LigboxAppFactory
{
    public Guid JobId { get; private set; }

    public string Domain { get; } = "pt-bunit.example.com";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        JobId = await GateSeed.JobAsync(Services, Domain,
            [new SeedMailbox("ana@" + Domain, 10_000, 9_950), new SeedMailbox("bo@" + Domain, 2_000, 2_000), new SeedMailbox("cy@" + Domain, 1_000, 1_000)],
            failFirst: true, ticketId: "HD-77");
        await using var scope = Services.CreateAsyncScope();
        var mailboxes = scope.ServiceProvider.GetRequiredService<MailboxService>();
        var cy = (await scope.ServiceProvider.GetRequiredService<JobOverviewService>().PageMailboxesAsync(JobId, new MailboxPageQuery { Search = "cy@", Take = 1 })).Items.Single();
        await mailboxes.ExcludeAsync(JobId, cy.Id, "A caixa foi encerrada pelo cliente.", AdminEmail);
    }
}

/// <summary>
/// Issue 16: the job pages, their components and dialogs in European Portuguese (the pt culture, as the request
/// localization sets it for a Portuguese user): the glossary's words, no English text left, times in the culture's
/// format. Texts written by Core (gate reasons, audit sentences, next step) and by other features' panels are
/// translated elsewhere and left out of the English check.
/// </summary>
public class JobsPortugueseTests(PortugueseJobData app) : IClassFixture<PortugueseJobData>, IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);

    // Elements whose text Core writes (translated with Core's texts), that belong to the reports and Zimbra features
    // (translated with them), or that are recorded data (the audit's JSON, gate action codes).
    private static readonly string[] NotOurs =
    [
        "[data-testid=job-progress]", "[data-testid=audit-sentence]",
        "[data-testid=detail-preflight]", "[data-testid^=zimbra-export]", "[data-testid=download-report]",
        "[data-testid=attach-report]", "pre",
    ];

    private readonly PageTestContext _ctx = new(app);

    /// <summary>The pt-PT culture for the test's flow (the renderer's work captures it), restored afterwards.</summary>
    private sealed class Portuguese : IDisposable
    {
        private readonly (CultureInfo, CultureInfo) _before = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);

        public Portuguese() => CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("pt-PT");

        public void Dispose() => (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = _before;
    }

    /// <summary>What a reader sees of an element (text, labels read aloud, placeholders), without the parts that are not ours.</summary>
    private static string VisibleText(IElement element)
    {
        var copy = (IElement)element.Clone(deep: true);
        foreach (var selector in NotOurs)
        {
            foreach (var e in copy.QuerySelectorAll(selector).ToList())
            {
                e.Remove();
            }
        }

        var html = copy.OuterHtml;
        var labels = string.Join(" ", Regex.Matches(html, "(?:aria-label|title|placeholder|data-label)=\"([^\"]*)\"").Select(m => m.Groups[1].Value));
        var text = Regex.Replace(html, "<script[\\s\\S]*?</script>|<!--[\\s\\S]*?-->", " ");
        text = Regex.Replace(text, "<[^>]+>", " ");
        return WebUtility.HtmlDecode(text + " " + WebUtility.HtmlDecode(labels));
    }

    /// <summary>
    /// No English text of any resource file shows, as a whole word ("Cancel" is English, "Cancelar" is not), except the
    /// English names a page shows in both languages (<paramref name="allowed"/>).
    /// </summary>
    private static void AssertNoEnglish(string where, string text, params string[] allowed)
    {
        var english = ResourceCompletenessTests.EnglishTextsThatDiffer()
            .Where(e => !allowed.Contains(e) && ResourceCompletenessTests.ShowsAsWord(text, e))
            .ToList();
        Assert.True(english.Count == 0, $"{where} in Portuguese shows English: {string.Join(" | ", english)}\n{text}");
    }

    private static void AssertNoEnglish(string where, IElement element) => AssertNoEnglish(where, VisibleText(element));

    private static string VisibleText<T>(IRenderedComponent<T> cut)
        where T : IComponent => string.Join(" ", cut.Nodes.OfType<IElement>().Select(VisibleText));

    [Fact]
    public void TheCheck_FindsEnglish_OnTheEnglishJobList()
    {
        // Without the pt culture the list is English: the check above must see it.
        var cut = _ctx.RenderPage<JobsPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=job-link]")), Patience);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AssertNoEnglish("job list", VisibleText(cut.Find("[data-testid=jobs-grid]"))));
    }

    [Fact]
    public void JobList_IsPortuguese_WithLocalDates()
    {
        using var pt = new Portuguese();
        var cut = _ctx.RenderPage<JobsPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=job-link]")), Patience);
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=gate-state]")), Patience);

        Assert.Equal("Migrações", cut.Find("h1").TextContent.Trim());
        Assert.Equal("Nova migração", cut.Find("[data-testid=new-job]").TextContent.Trim());
        var grid = cut.Find("[data-testid=jobs-grid]");
        foreach (var header in new[] { "Domínio", "Nome", "Fase", "Pedido", "Ponto de controlo", "Caixas de correio", "Progresso", "Criada" })
        {
            Assert.Contains(header, grid.QuerySelectorAll("th").Select(th => th.TextContent.Trim()));
        }

        Assert.Contains("Sincronização final", cut.Find("[data-testid=phase-chip]").TextContent);
        Assert.Contains(cut.Find("[data-testid=gate-state]").TextContent.Trim(), new[] { "Bloqueado", "Pronto", "Aprovado", "Revogado" });
        Assert.Contains("Linhas por página", grid.TextContent);
        // The creation time in the Portuguese format (day first), not "yyyy-MM-dd HH:mm".
        Assert.Matches(@"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$", grid.QuerySelector("time")!.TextContent);
        // MudBlazor's own labels too (ConsoleMudLocalizer): the pager's buttons, the columns' menus.
        Assert.NotNull(cut.Find("[aria-label='Primeira página']"));
        Assert.Contains("Opções da coluna", cut.Markup);
        AssertNoEnglish("job list", VisibleText(cut));
    }

    [Fact]
    public void JobList_SaysWhatToDo_WhenNothingMatches()
    {
        using var pt = new Portuguese();
        var cut = _ctx.RenderPage<JobsPage>();
        cut.Input("filter-search").Input("no-such-customer");
        cut.WaitForAssertion(() => Assert.Contains("Nenhuma migração corresponde a estes filtros", cut.Find("[data-testid=jobs-empty]").TextContent), Patience);
        AssertNoEnglish("empty job list", cut.Find("[data-testid=jobs-empty]"));
    }

    [Fact]
    public void CreateForm_IsPortuguese_AndSoAreItsMessages()
    {
        using var pt = new Portuguese();
        var cut = _ctx.RenderPage<CreateJobPage>();
        Assert.Equal("Nova migração", cut.Find("h1").TextContent.Trim());
        cut.Input("import-only").Change(true);
        cut.Find("form").Submit();

        // The submit's validation renders asynchronously under load: wait for its first message.
        cut.WaitForAssertion(() => Assert.Contains("Indique o domínio de correio do cliente, p. ex. example.com.", cut.Markup), Patience);
        Assert.Contains("Indique o nome do servidor IMAP, p. ex. imap.example.com.", cut.Markup);
        Assert.Equal("Corrija os campos assinalados e crie a migração de novo.", cut.Find("[data-testid=form-error]").TextContent.Trim());
        Assert.Contains("Sem servidor de origem: esta migração recebe apenas importações PST/mbox", cut.Markup);
        Assert.Contains("Criar migração", cut.Find("[data-testid=create-job]").TextContent);
        AssertNoEnglish("create form (PST only, with errors)", cut.Find("form"));

        cut.Input("import-only").Change(false);
        cut.Input("domain").Change("not a domain");
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Contains("Isto não é um nome de domínio", cut.Markup), Patience);
        Assert.Contains("Servidor de origem (fornecedor antigo)", cut.Markup);
        Assert.Contains("Testar ligação", cut.Find("[data-testid=connection-test]").TextContent);
        AssertNoEnglish("create form", cut.Find("form"));
    }

    [Fact]
    public void JobPage_IsPortuguese_InItsHeaderMailboxesGateSettingsAndAudit()
    {
        using var pt = new Portuguese();
        var (host, page) = RenderJobPage();
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=gate-ratio]")), Patience);
        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid=mailbox-source]").Count), Patience);

        Assert.Contains("Sincronização final", page.Find("[data-testid=phase-chip]").TextContent);
        Assert.Equal("Cancelar migração", page.Find("[data-testid=cancel-job]").TextContent.Trim());
        Assert.Contains("Caixas de correio (3)", page.Find("#mailboxes h2").TextContent);
        Assert.Equal("Adicionar caixa de correio", page.Find("[data-testid=add-mailbox]").TextContent.Trim());
        Assert.Contains("Ponto de controlo da migração", page.Find("[data-testid=gate-panel]").TextContent);
        Assert.Contains("das mensagens", page.Find("[data-testid=gate-ratio]").TextContent);
        Assert.Contains("Só um responsável de operações", page.Find("[data-testid=gate-approve-explanation]").TextContent);
        Assert.Contains("Falhou", page.Find("[data-testid=mailbox-status]").TextContent);
        Assert.Equal("excluída", page.Find("[data-testid=mailbox-excluded]").TextContent.Trim());
        Assert.Contains("Registo de auditoria", page.Find("#audit").TextContent);
        Assert.Contains("Motor:", page.Find("[data-testid=servers-card]").TextContent);

        // The header, the line under it (ticket, creation) and the section bar.
        AssertNoEnglish("job page header", VisibleText(page.Find("h1").ParentElement!) + " " + VisibleText(page.Find("[data-testid=job-sections]")));
        var subtitle = page.Find("h1").ParentElement!.NextElementSibling!;
        Assert.Contains("pedido", subtitle.TextContent);
        Assert.Matches(@"criada em \d{2}/\d{2}/\d{4} \d{2}:\d{2} por seed", subtitle.TextContent);
        AssertNoEnglish("job page subtitle", subtitle);
        AssertNoEnglish("job summary", page.Find("[data-testid=job-summary]"));
        AssertNoEnglish("mailboxes", page.Find("#mailboxes"));
        AssertNoEnglish("gate", page.Find("#gate"));
        AssertNoEnglish("servers", page.Find("[data-testid=servers-card]"));
        AssertNoEnglish("audit", page.Find("#audit"));

        // A mailbox's actions menu.
        page.Find("[data-testid=mailbox-actions] button").Click();
        // Its items open in the popover provider, beside the page.
        host.WaitForAssertion(() => Assert.Contains("Editar utilizadores, palavras-passe, prefixo…", host.Find("[data-testid=mailbox-edit]").TextContent), Patience);
        Assert.Contains("Excluir da migração…", host.Find("[data-testid=mailbox-exclude]").TextContent);
        Assert.Contains("Remover…", host.Find("[data-testid=mailbox-remove]").TextContent);
        Assert.Equal("Acções para ana@" + app.Domain, page.Find("[data-testid=mailbox-actions] button").GetAttribute("aria-label"));

        // A mailbox's details: the last pre-flight, the last sync per folder and its runs.
        page.FindAll("[data-testid=mailbox-expand]")[0].Click();
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=detail-runs]")), Patience);
        var detail = page.Find("[data-testid=mailbox-detail]");
        Assert.Contains("Última sincronização, por pasta", detail.TextContent);
        Assert.Contains("Sincronização final", page.Find("[data-testid=detail-runs]").TextContent);
        AssertNoEnglish("mailbox details", detail);
    }

    private (IRenderedComponent<Bunit.Rendering.ContainerFragment> Host, IRenderedComponent<JobDetailPage> Page) RenderJobPage()
    {
        var host = _ctx.Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<MudSnackbarProvider>(2);
            builder.CloseComponent();
            builder.OpenComponent<JobDetailPage>(3);
            builder.AddAttribute(4, nameof(JobDetailPage.Id), app.JobId);
            builder.CloseComponent();
        });
        return (host, host.FindComponent<JobDetailPage>());
    }

    [Fact]
    public async Task Dialogs_ArePortuguese()
    {
        using var pt = new Portuguese();
        var jobs = _ctx.Services.GetRequiredService<JobService>();
        var job = await jobs.GetAsync(app.JobId);
        var mailbox = (await _ctx.Services.GetRequiredService<JobOverviewService>().PageMailboxesAsync(app.JobId, new MailboxPageQuery { Search = "bo@", Take = 1 })).Items.Single();
        var host = _ctx.Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
        });
        var dialogs = _ctx.Services.GetRequiredService<IDialogService>();

        IDialogReference? open = null;

        async Task<IElement> OpenAsync<TDialog>(string testId, DialogParameters<TDialog> parameters)
            where TDialog : IComponent
        {
            await host.InvokeAsync(async () => open = await dialogs.ShowAsync<TDialog>("", parameters));
            host.WaitForAssertion(() => Assert.Single(host.FindAll($"[data-testid={testId}]")), Patience);
            return host.Find($"[data-testid={testId}]");
        }

        async Task CloseAllAsync()
        {
            await host.InvokeAsync(() => open!.Close());
            host.WaitForAssertion(() => Assert.Empty(host.FindAll(".mud-dialog")), Patience);
        }

        var settings = await OpenAsync("job-settings-dialog", new DialogParameters<JobSettingsDialog> { { d => d.Job, job }, { d => d.Actor, PageTestContext.UserName } });
        Assert.Contains("As alterações aplicam-se à próxima execução", settings.TextContent);
        Assert.Contains("Renomear pastas no destino (opcional)", settings.TextContent);
        Assert.Equal("Guardar", host.Find("[data-testid=settings-save]").TextContent.Trim());
        AssertNoEnglish("job settings dialog", settings);
        host.Input("settings-mappings").Change("Só uma pasta");
        host.Find("[data-testid=settings-save]").Click();
        host.WaitForAssertion(() => Assert.Contains("Linha 1 (“Só uma pasta”): escreva uma correspondência como Pasta de origem => Pasta de destino.",
            host.Find("[data-testid=settings-error]").TextContent, StringComparison.Ordinal), Patience);
        AssertNoEnglish("job settings dialog with an error", host.Find("[data-testid=job-settings-dialog]"));
        await CloseAllAsync();

        var add = await OpenAsync("add-mailbox-dialog", new DialogParameters<AddMailboxDialog> { { d => d.JobId, app.JobId }, { d => d.Actor, PageTestContext.UserName } });
        Assert.Contains("Palavra-passe na origem", add.TextContent);
        AssertNoEnglish("add mailbox dialog", add);
        await CloseAllAsync();

        var csv = await OpenAsync("csv-dialog", new DialogParameters<CsvImportDialog> { { d => d.JobId, app.JobId }, { d => d.Actor, PageTestContext.UserName } });
        Assert.Contains("Nenhum ficheiro escolhido", csv.TextContent);
        Assert.Contains("Importar 0 caixas de correio", host.Find("[data-testid=csv-commit]").TextContent);
        AssertNoEnglish("CSV dialog", csv);
        await CloseAllAsync();

        var edit = await OpenAsync("edit-mailbox-dialog", new DialogParameters<EditMailboxDialog> { { d => d.Mailbox, mailbox }, { d => d.Actor, PageTestContext.UserName } });
        Assert.Contains("Deixe uma palavra-passe vazia para manter a guardada.", edit.TextContent);
        AssertNoEnglish("edit mailbox dialog", edit);
        await CloseAllAsync();

        var exclude = await OpenAsync("exclude-mailbox-dialog", new DialogParameters<ExcludeMailboxDialog> { { d => d.Mailbox, mailbox }, { d => d.Actor, PageTestContext.UserName } });
        Assert.Contains($"{mailbox.SourceLogin} fica fora de todas as execuções", exclude.TextContent);
        AssertNoEnglish("exclude dialog", exclude);
        await CloseAllAsync();

        var gate = await OpenAsync("gate-dialog", new DialogParameters<GateDecisionDialog>
        {
            { d => d.Message, "Aprovar?" },
            { d => d.Missing, [new GateMissingMessage(mailbox.SourceLogin, "INBOX", "<m1@example.com>", "Factura", new DateTimeOffset(2026, 7, 14, 23, 30, 0, TimeSpan.Zero))] },
            { d => d.Excluded, [new GateExcludedMailbox("cy@" + app.Domain, "encerrada", "ops", DateTime.UtcNow)] },
        });
        Assert.Contains("Falta 1 mensagem identificada no destino:", gate.TextContent);
        Assert.Contains("1 caixa de correio está excluída da migração", gate.TextContent);
        Assert.Contains("14/07/2026", gate.TextContent);
        Assert.Equal("Aprovar", host.Find("[data-testid=gate-dialog-confirm]").TextContent.Trim());
        AssertNoEnglish("gate decision dialog", gate);
        await CloseAllAsync();

        var confirm = await OpenAsync("confirm-dialog", new DialogParameters<ConfirmDialog> { { d => d.Message, "Tem a certeza?" }, { d => d.AskReason, true } });
        Assert.Equal("Manter", host.Find("[data-testid=confirm-no]").TextContent.Trim());
        Assert.Contains("Motivo", confirm.TextContent);
        AssertNoEnglish("confirm dialog", confirm);
    }

    [Fact]
    public void SharedChips_NameEveryPhaseAndState_InPortuguese()
    {
        using var pt = new Portuguese();
        var phases = Enum.GetValues<MigrationPhase>()
            .Select(p => _ctx.Render<PhaseChip>(c => c.Add(x => x.Phase, p)).Find("[data-testid=phase-chip]").TextContent.Trim())
            .ToList();
        Assert.Equal(["Rascunho", "Verificação prévia", "A sincronizar", "Sincronização final", "Ponto de controlo pronto", "Ponto de controlo aprovado",
            "Concluída", "Cancelada", "Falhou"], phases);
        var states = Enum.GetValues<GateState>()
            .Select(s => _ctx.Render<GateChips>(c => c.Add(x => x.State, s)).Find("[data-testid=gate-state]").TextContent.Trim())
            .ToList();
        Assert.Equal(["Bloqueado", "Pronto", "Aprovado", "Revogado"], states);
        var upToDate = _ctx.Render<ProgressFigure>(p => p.Add(x => x.Done, 0).Add(x => x.Total, 1234).Add(x => x.Completed, true));
        Assert.Equal("actualizado", upToDate.Find("[data-testid=progress-text]").TextContent);
        // Numbers in the Portuguese format (1234 is written without a group separator in pt-PT; 12 345 has one).
        var partial = _ctx.Render<ProgressFigure>(p => p.Add(x => x.Done, 12_345).Add(x => x.Total, 23_456));
        Assert.Equal(12_345.ToString("N0", CultureInfo.GetCultureInfo("pt-PT")) + " / " + 23_456.ToString("N0", CultureInfo.GetCultureInfo("pt-PT")),
            partial.Find("[data-testid=progress-text]").TextContent);
        Assert.DoesNotContain(",", partial.Find("[data-testid=progress-text]").TextContent);
    }

    [Fact]
    public void ProviderPresets_ArePortuguese_AndTheirKeysAreStillCoresEnglish()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "Ligbox.slnx")))
        {
            dir = dir.Parent;
        }

        var keys = System.Xml.Linq.XDocument.Load(Path.Combine(dir.FullName, "Ligbox.Console", "Components", "Pages", "Jobs", "JobsText.pt.resx"))
            .Root!.Elements("data").Select(d => (string)d.Attribute("name")!).ToHashSet();
        var english = _ctx.Services.GetRequiredService<Microsoft.Extensions.Localization.IStringLocalizer<JobsText>>();
        foreach (var preset in ProviderPresets.All)
        {
            // A changed description in Core must be translated again: the Portuguese is keyed by the English it translates.
            Assert.True(keys.Contains(preset.Description), $"the preset \"{preset.Id}\" has a new description without its Portuguese: {preset.Description}");
            Assert.Equal(preset.Description, JobsNames.PresetDescription(english, preset));
        }

        using var pt = new Portuguese();
        Assert.StartsWith("O IMAP do Zimbra na porta 993", JobsNames.PresetDescription(english, ProviderPresets.Zimbra), StringComparison.Ordinal);
        Assert.Equal("Servidor personalizado", JobsNames.PresetName(english, ProviderPresets.Custom));
        Assert.Equal("Gmail / Google Workspace", JobsNames.PresetName(english, ProviderPresets.Gmail));
    }

    public ValueTask DisposeAsync() => _ctx.DisposeAsync();
}
