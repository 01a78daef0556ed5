using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Bunit;
using Ligbox.Console.Components.Pages.Jobs.Components;
using Ligbox.Console.Localization;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Console.Tests.Localization;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Pst;
using Ligbox.Core.Runs;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Ligbox.Console.Tests.Components.Pages.Jobs;

/// <summary>A job with one mailbox and a pre-flight that failed for it (real rows in a real SQLite file).</summary>
public sealed class RunsLanguageData : LigboxAppFactory
{
    /// <summary>23:30 UTC on a winter day: 23:30 in Lisbon, 20:30 in São Paulo.</summary>
    public static readonly DateTime Queued = new(2026, 12, 3, 23, 30, 0, DateTimeKind.Utc);

    public Guid JobId { get; private set; }
    public Guid RunId { get; private set; }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await using var scope = Services.CreateAsyncScope();
        var job = await scope.ServiceProvider.GetRequiredService<JobService>().CreateAsync(new CreateJobRequest
        {
            Domain = "runs-pt.example",
            Source = new() { Host = "imap.old.example" },
            Destination = new() { Host = "imap.new.example" },
        }, AdminEmail);
        JobId = job.Id;
        await scope.ServiceProvider.GetRequiredService<MailboxService>().AddAsync(JobId,
            new AddMailboxRequest { SourceUser = "ana@runs-pt.example", SourcePassword = "x", DestUser = "ana@new.example", DestPassword = "y" }, AdminEmail);
        RunId = await FailedPreflightSeed.AddAsync(Services, JobId, AdminEmail, Queued);
    }
}

/// <summary>
/// The runs panel, run history, progress, the log viewer and the report buttons in Portuguese and in English (issue 16):
/// each text from RunsText.pt.resx, times in the person's zone and culture, counts with the culture's separators.
/// </summary>
public sealed class RunsComponentsLanguageTests(RunsLanguageData app) : IClassFixture<RunsLanguageData>, IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);
    private readonly PageTestContext _ctx = new(app);
    private readonly (CultureInfo, CultureInfo) _before = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
    private bool _providers;

    private static void UseCulture(string name) =>
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(name);

    /// <summary>Renders a component as the page does: popovers, snackbars, and the person's clock cascaded.</summary>
    private IRenderedComponent<T> Show<T>(string zone, Action<ComponentParameterCollectionBuilder<T>> parameters)
        where T : IComponent
    {
        if (!_providers)
        {
            _ctx.Render<MudPopoverProvider>();
            _providers = true;
        }

        var host = _ctx.Render<CascadingValue<UserClock>>(p => p
            .Add(c => c.Value, new UserClock(zone))
            .Add(c => c.IsFixed, true)
            .AddChildContent<T>(parameters));
        return host.FindComponent<T>();
    }

    /// <summary>What a reader sees: the text and the labels read aloud.</summary>
    private static string Visible(string html)
    {
        var labels = string.Join(" ", Regex.Matches(html, "(?:aria-label|title|placeholder|data-label)=\"([^\"]*)\"").Select(m => m.Groups[1].Value));
        return WebUtility.HtmlDecode(Regex.Replace(html, "<[^>]+>", " ") + " " + labels);
    }

    private static void AssertNoEnglish(string html)
    {
        var text = Visible(html);
        var english = ResourceCompletenessTests.EnglishTextsThatDiffer().Where(e => text.Contains(e, StringComparison.Ordinal)).ToList();
        Assert.True(english.Count == 0, $"English on a Portuguese component: {string.Join(" | ", english)}\n{text}");
    }

    private static RunDto Run(RunKind kind, RunStatus status, bool dryRun = false) => new(Guid.NewGuid(), Guid.NewGuid(), kind, status, RunTrigger.Manual,
        dryRun, "tech@ligbox.test", RunsLanguageData.Queued, RunsLanguageData.Queued.AddSeconds(4), null, null, null, []);

    private static readonly MailboxProgress[] Progress =
    [
        new("ana@runs-pt.example", "INBOX", 1500, 3000, 5L << 20, 1234, TimeSpan.FromSeconds(75), "FolderProgress",
            [new FolderProgress("Itens Enviados", 200, 200, true), new FolderProgress("INBOX", 1300, 2800, false)]),
    ];

    private static readonly RunLogLine[] Log =
    [
        RunLogLine.From(1, "ana@runs-pt.example: logged in"),
        RunLogLine.From(2, "ana@runs-pt.example: warning: folder Spam skipped"),
        RunLogLine.From(3, "ana@runs-pt.example: error: the destination refused a message"),
    ];

    [Fact]
    public void RunsPanel_InPortuguese_SpeaksPortuguese_WithTheRunInLisbonTime()
    {
        UseCulture("pt-PT");
        var cut = Show<RunsPanel>("Europe/Lisbon", p => p.Add(x => x.JobId, app.JobId));

        cut.WaitForAssertion(() => Assert.Contains("Registo", cut.Find("[data-testid=run-log]").TextContent), Patience);
        var text = cut.Find("[data-testid=runs-panel]").TextContent;
        foreach (var pt in new[] { "Execuções", "Verificação prévia", "Sincronização inicial", "Incremental (delta)", "Sincronização final", "Cancelar a execução" })
        {
            Assert.Contains(pt, text);
        }

        var history = cut.Find("[data-testid=run-history]");
        Assert.Contains("Pedida em", history.TextContent);
        Assert.Contains("Falhou", history.TextContent);
        Assert.Contains("03/12/2026 23:30", history.TextContent);
        cut.WaitForAssertion(() => Assert.Contains("Caixas de correio desta execução", cut.Find("[data-testid=run-mailboxes]").TextContent), Patience);
        Assert.Contains("Linhas por página", cut.Find("[data-testid=run-mailboxes]").TextContent);
        Assert.Contains("Limpar filtros", cut.Find("[data-testid=run-log]").TextContent);
        // The panel's own words: Core's sentences (what each pass covers, the run's message) are not this component's texts.
        var markup = Regex.Replace(cut.Markup, "<ul class=\"mb-2\" data-testid=\"run-coverage\"[\\s\\S]*?</ul>|Pre-flight failed for 1 of 1 mailbox\\(es\\)|The source server refused the password.", "");
        AssertNoEnglish(markup);
        Assert.DoesNotContain("No runs yet", cut.Markup);
        Assert.DoesNotContain(">Runs<", cut.Markup);
    }

    [Fact]
    public void RunsPanel_InEnglish_StaysEnglish_InSaoPauloTime()
    {
        UseCulture("en-GB");
        var cut = Show<RunsPanel>("America/Sao_Paulo", p => p.Add(x => x.JobId, app.JobId));

        cut.WaitForAssertion(() => Assert.Contains("Log", cut.Find("[data-testid=run-log]").TextContent), Patience);
        var text = cut.Find("[data-testid=runs-panel]").TextContent;
        foreach (var en in new[] { "Runs", "Pre-flight", "Initial sync", "Delta", "Final sync", "Cancel run" })
        {
            Assert.Contains(en, text);
        }

        var history = cut.Find("[data-testid=run-history]").TextContent;
        Assert.Contains("Queued at", history);
        Assert.Contains("Failed", history);
        Assert.Contains("03/12/2026 20:30", history);
        Assert.DoesNotContain("Execuções", cut.Markup);
    }

    [Fact]
    public void RunHistory_InPortuguese_NamesKindsAndStatuses()
    {
        UseCulture("pt-PT");
        var cut = Show<RunHistoryTable>("Europe/Lisbon", p => p.Add(x => x.Items,
            [Run(RunKind.Initial, RunStatus.Succeeded), Run(RunKind.Delta, RunStatus.Resuming), Run(RunKind.Preflight, RunStatus.Interrupted, dryRun: true)]));

        var text = Visible(cut.Markup);
        Assert.Contains("Sincronização inicial", text);
        Assert.Contains("Concluída", text);
        Assert.Contains("Sincronização incremental (delta)", text);
        Assert.Contains("À espera de retomar", text);
        Assert.Contains("Verificação prévia (simulação)", text);
        Assert.Contains("Interrompida: inicie uma nova execução ou cancele-a", text);
        Assert.DoesNotContain("Succeeded", text);
        Assert.DoesNotContain("Waiting to resume", text);
        AssertNoEnglish(text);
    }

    [Fact]
    public void RunHistory_WithoutRuns_InPortuguese_SaysWhereToStart()
    {
        UseCulture("pt-PT");
        var cut = Show<RunHistoryTable>("UTC", p => p.Add(x => x.Items, []));
        Assert.StartsWith("Ainda não há execuções. Comece por uma verificação prévia", cut.Find("[data-testid=runs-empty]").TextContent.Trim());
        AssertNoEnglish(cut.Markup);
    }

    [Fact]
    public void RunProgress_InPortuguese_CountsWithTheCultureAndLocalTime()
    {
        UseCulture("pt-PT");
        var cut = Show<RunProgressTable>("Europe/Lisbon", p => p.Add(x => x.Run, Run(RunKind.Initial, RunStatus.Running)).Add(x => x.Progress, Progress));

        var text = cut.Find("[data-testid=run-progress]").TextContent;
        Assert.Contains("Sincronização inicial em curso desde 23:30:04", text);
        Assert.Contains("Mensagens", text);
        Assert.Contains("Ritmo", text);
        Assert.Contains("Tempo restante", text);
        Assert.Contains($"{1234.ToString("N0", CultureInfo.GetCultureInfo("pt-PT"))} mens./s", text);
        Assert.Contains("Mostrar as pastas de ana@runs-pt.example", cut.Markup);
        cut.Find("[data-testid=mailbox-expand]").Click();
        text = cut.Find("[data-testid=run-progress]").TextContent;
        Assert.Contains("concluída", text);
        Assert.Contains("a copiar", text);
        AssertNoEnglish(cut.Markup);
    }

    [Fact]
    public void RunProgress_InEnglish_StaysEnglish()
    {
        UseCulture("en-US");
        var cut = Show<RunProgressTable>("UTC", p => p.Add(x => x.Run, Run(RunKind.Initial, RunStatus.Running)).Add(x => x.Progress, Progress));
        var text = cut.Find("[data-testid=run-progress]").TextContent;
        Assert.Contains("Initial sync running since", text);
        Assert.Contains("1,234 msg/s", text);
        Assert.Contains("Rate", text);
    }

    [Fact]
    public void LogViewer_InPortuguese_LabelsLevelsAndSummary()
    {
        UseCulture("pt-PT");
        var cut = Show<RunLogViewer>("UTC", p => p.Add(x => x.RunId, Guid.NewGuid()).Add(x => x.Lines, Log).Add(x => x.HasLog, true));

        var text = cut.Find("[data-testid=run-log]").TextContent;
        foreach (var pt in new[] { "Registo", "Pausa", "Seguir", "Transferir", "Todas (3)", "Avisos (1)", "Erros (1)", "Todas as caixas de correio", "Limpar filtros" })
        {
            Assert.Contains(pt, text);
        }

        Assert.Equal("3 linhas.", cut.Find("[data-testid=log-summary]").TextContent);
        Assert.Contains("Pesquisar no registo", cut.Markup);
        cut.Find("[data-testid=log-level-error]").Click();
        Assert.Equal("A mostrar 1 de 3 linhas.", cut.Find("[data-testid=log-summary]").TextContent);
        AssertNoEnglish(Regex.Replace(cut.Markup, "<div data-testid=\"log-line\"[^>]*>[^<]*</div>", ""));
    }

    [Fact]
    public void LogViewer_InEnglish_StaysEnglish()
    {
        UseCulture("en");
        var cut = Show<RunLogViewer>("UTC", p => p.Add(x => x.RunId, Guid.NewGuid()).Add(x => x.Lines, Log).Add(x => x.HasLog, true));
        Assert.Equal("3 lines.", cut.Find("[data-testid=log-summary]").TextContent);
        Assert.Contains("Warnings (1)", cut.Find("[data-testid=run-log]").TextContent);
        Assert.Contains("Clear filters", cut.Find("[data-testid=run-log]").TextContent);
    }

    [Fact]
    public void ReportButton_InPortuguese()
    {
        UseCulture("pt-PT");
        var cut = Show<ReportActions>("UTC", p => p.Add(x => x.JobId, app.JobId));
        Assert.Equal("Relatório (PDF)", cut.Find("[data-testid=download-report]").TextContent.Trim());
        AssertNoEnglish(cut.Markup);
    }

    private static PstRunReport ImportReport(RunStatus status, PstSourceKind kind = PstSourceKind.Pst) => new(Guid.NewGuid(), Guid.NewGuid(), status, null,
        new PstImportStatistics
        {
            SourceKind = kind,
            SourceName = "Outlook_1.pst",
            Phase = "importing",
            Readpst = [new ReadpstFolderReport("Inbox", 1234, 2)],
            Folders = [new PstFolderStatistics { Source = "Inbox", Destination = "INBOX", Extracted = 1236, Parsed = 1234, Appended = 1230, Skipped = 4, DestinationMessages = 1234 }],
            OtherItems = new Dictionary<string, int> { ["contact"] = 2, ["appointment"] = 1 },
        },
        [new QuarantineEntry(1, "Inbox", "INBOX", "Olá", "The destination refused it", RunsLanguageData.Queued)]);

    [Fact]
    public void ImportReport_InPortuguese_NamesColumnsStatusAndItems_WithPtCounts()
    {
        UseCulture("pt-PT");
        var cut = Show<PstRunReportView>("UTC", p => p.Add(x => x.Report, ImportReport(RunStatus.Running)).Add(x => x.OtherItemsHref, "/items"));
        var text = cut.Markup;
        Assert.Contains("Importação de Outlook_1.pst: a acrescentar à caixa de correio…", cut.Find("[data-testid=pst-run-status]").TextContent);
        Assert.Contains($"Inbox {1234.ToString("N0", CultureInfo.GetCultureInfo("pt-PT"))} concluídos, 2 ignorados", cut.Find("[data-testid=pst-readpst]").TextContent);
        foreach (var pt in new[] { "Pasta PST", "Extraídas", "Acrescentadas", "Já existentes", "Em quarentena", "Contagem no servidor", "Quarentena (1)", "Repetir estas",
                     "Não é correio, não importado: 1 compromisso, 2 contactos.", "Transferi-los" })
        {
            Assert.Contains(pt, text);
        }

        AssertNoEnglish(Regex.Replace(text, "The destination refused it", ""));
    }

    [Fact]
    public void ImportReport_InEnglish_StaysEnglish()
    {
        UseCulture("en-US");
        var cut = Show<PstRunReportView>("UTC", p => p.Add(x => x.Report, ImportReport(RunStatus.Succeeded)).Add(x => x.OtherItemsHref, "/items"));
        Assert.Contains("Import of Outlook_1.pst: done", cut.Find("[data-testid=pst-run-status]").TextContent);
        Assert.Contains("Inbox 1,234 done, 2 skipped", cut.Find("[data-testid=pst-readpst]").TextContent);
        // The sentence and the link after it are two words apart, not "contacts.Download".
        Assert.Contains("Not mail, not imported: 1 appointment, 2 contacts. Download them", cut.Find("[data-testid=pst-other-items]").TextContent);
    }

    [Fact]
    public async Task ImportPanel_DropZone_Schedule_AndZimbra_InPortuguese_ShowNoEnglish()
    {
        UseCulture("pt-PT");
        _ctx.Auth.SetPolicies(Ligbox.Console.Auth.Policies.CanManageMigration);
        JobDto job;
        MailboxDto mailbox;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            job = await scope.ServiceProvider.GetRequiredService<JobService>().GetAsync(app.JobId);
            mailbox = (await scope.ServiceProvider.GetRequiredService<JobOverviewService>().PageMailboxesAsync(app.JobId, new MailboxPageQuery { Take = 1 })).Items[0];
        }

        var panel = Show<PstImportPanel>("UTC", p => p.Add(x => x.JobId, app.JobId).Add(x => x.MailboxCount, 0));
        Assert.Contains("Importação PST / mbox / Zimbra", panel.Markup);
        Assert.Contains("Adicione primeiro uma caixa de correio", panel.Find("[data-testid=pst-no-mailbox]").TextContent);
        AssertNoEnglish(panel.Markup);

        var zone = Show<PstDropZone>("UTC", p => p.Add(x => x.JobId, app.JobId).Add(x => x.Mailbox, mailbox).Add(x => x.ChunkSize, 1 << 20)
            .Add(x => x.StartImport, (_, _, _) => Task.FromResult<string?>(null)));
        Assert.Contains("Escolher ficheiro", zone.Markup);
        await zone.InvokeAsync(() => zone.Instance.OnRejected("notes.docx"));
        Assert.StartsWith("Não é possível carregar 'notes.docx'", zone.Find("[data-testid=pst-upload-message]").TextContent.Trim());
        AssertNoEnglish(zone.Markup);

        var schedule = Show<DeltaScheduleCard>("Europe/Lisbon", p => p.Add(x => x.Job, job));
        // The card reads the schedule after its first render (CI once looked before it had).
        schedule.WaitForElement("[data-testid=schedule-last]", Patience);
        foreach (var pt in new[] { "Sincronização incremental agendada", "De N em N horas", "Expressão cron", "Guardar", "Próxima execução:", "nenhuma — o agendamento está desligado", "Última passagem agendada:" })
        {
            Assert.Contains(pt, schedule.Markup);
        }

        AssertNoEnglish(schedule.Markup);

        var ssh = Show<ZimbraSshPanel>("UTC", p => p.Add(x => x.JobId, app.JobId));
        Assert.Equal("Esta migração não tem servidor Zimbra definido.", ssh.Find("[data-testid=zimbra-ssh-none]").TextContent.Split('\n', StringSplitOptions.TrimEntries)[0].Trim());
        ssh.Find("[data-testid=zimbra-ssh-set]").Click();
        Assert.Equal("Indique o servidor.", ssh.Find("[data-testid=zimbra-ssh-save-blocked]").TextContent);
        foreach (var pt in new[] { "Servidor SSH", "Porta", "Utilizador SSH", "Usar uma chave privada", "Usar uma palavra-passe", "Chave privada (OpenSSH ou PEM)", "Sondar o servidor", "Guardar", "Cancelar" })
        {
            Assert.Contains(pt, ssh.Markup);
        }

        AssertNoEnglish(ssh.Markup);

        var export = Show<ZimbraExportAction>("UTC", p => p.Add(x => x.JobId, app.JobId).Add(x => x.Mailbox, mailbox));
        Assert.StartsWith("Esta migração não tem servidor Zimbra definido: defina-o em “Servidor Zimbra por SSH”", export.Find("[data-testid=zimbra-export-disabled]").TextContent);
        Assert.Contains("Exportar do Zimbra", export.Find("[data-testid=zimbra-export-start]").TextContent);
        AssertNoEnglish(export.Markup);
    }

    [Fact]
    public void LanguageSelect_NamesEachLanguageInItself_WithAPortugueseLabel()
    {
        UseCulture("pt-PT");
        var cut = Show<JobLanguageSelect>("UTC", p => p.Add(x => x.Value, "pt"));
        Assert.Contains("Idioma do relatório", cut.Markup);
        Assert.Contains("O relatório em PDF da migração é escrito neste idioma.", cut.Markup);
        AssertNoEnglish(cut.Markup);
    }

    public async ValueTask DisposeAsync()
    {
        (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = _before;
        await _ctx.DisposeAsync();
    }
}
