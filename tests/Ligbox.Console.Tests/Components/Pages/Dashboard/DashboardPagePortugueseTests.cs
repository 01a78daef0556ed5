using System.Globalization;
using System.Net;
using Bunit;
using Ligbox.Console.Components.Pages.Dashboard;
using Ligbox.Console.Localization;
using Ligbox.Console.Tests.Localization;
using Ligbox.Core.Runs;
using Ligbox.Tools.NativeImap;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Ligbox.Console.Tests.Components.Pages.Dashboard;

/// <summary>The overview in Portuguese (issue 16): texts, numbers and sizes in the culture, the chart's days in the reader's zone.</summary>
public class DashboardPagePortugueseTests(DashboardData app) : IClassFixture<DashboardData>, IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly PageTestContext _ctx = new(app);

    private IRenderedComponent<DashboardPage> Render(string zone)
    {
        var host = _ctx.Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<CascadingValue<UserClock>>(1);
            builder.AddComponentParameter(2, "Value", new UserClock(zone));
            builder.AddComponentParameter(3, "IsFixed", true);
            builder.AddComponentParameter(4, "ChildContent", (RenderFragment)(b =>
            {
                b.OpenComponent<DashboardPage>(0);
                b.CloseComponent();
            }));
            builder.CloseComponent();
        });
        return host.FindComponent<DashboardPage>();
    }

    [Fact]
    public void TheOverview_IsPortuguese_WithPortugueseNumbers()
    {
        using var _ = new CultureScope("pt-PT");
        var cut = Render("Europe/Lisbon");
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=running-run]")), Patience);

        app.Services.GetRequiredService<RunProgressNotifier>().Report(app.BusyJob, app.RunningRun, "u0@busy.example", new SyncProgressEvent
        {
            MailboxKey = "u0@busy.example", Stage = SyncProgressStage.FolderProgress, Folder = "INBOX",
            MailboxDone = 30, MailboxTotal = 120, BytesTransferred = 3 << 20, MessagesPerSecond = 42.5,
        });
        cut.WaitForAssertion(() => Assert.Contains("42,5 mensagens/s · 3,0 MB copiados", cut.Find("[data-testid=run-rate]").TextContent), Patience);

        // A run's failure reason is what the run stored (English, as the engines wrote it): the page's own words are checked.
        var page = cut.FindAll(".reason").Aggregate(WebUtility.HtmlDecode(cut.Markup), (text, reason) => text.Replace(reason.TextContent, "", StringComparison.Ordinal));
        Assert.Contains("Visão geral", page);
        Assert.Contains("Pontos de controlo à espera de aprovação", page);
        Assert.Contains("Rever ponto de controlo", page);
        Assert.Contains("Copiado por dia, últimos 30 dias", page);
        Assert.Contains("Maiores migrações por concluir", page);
        Assert.Contains("Sincronização incremental (delta)", cut.Find("[data-testid=running-run]").TextContent);
        // 6,234 messages in English; Portuguese groups thousands its own way.
        Assert.Contains($"6{CultureInfo.GetCultureInfo("pt-PT").NumberFormat.NumberGroupSeparator}234 mens.", cut.Find("[data-testid=throughput-30d]").TextContent);
        FeatureTexts.AssertNoEnglish("DashboardText", "overview", page);

        // The chart's newest day is labelled with the reader's today (Lisbon), the month in Portuguese.
        var today = TimeZoneInfo.ConvertTimeFromUtc(DateTime.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Europe/Lisbon"));
        Assert.Contains(">" + today.ToString("d MMM", CultureInfo.GetCultureInfo("pt-PT")) + "<", cut.Find("[data-testid=copied-per-day]").InnerHtml);
    }

    [Fact]
    public void TheOverview_StaysEnglish_InEnglish()
    {
        using var _ = new CultureScope("en-US");
        var cut = Render("UTC");
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=gate-waiting]")), Patience);
        var page = WebUtility.HtmlDecode(cut.Markup);
        Assert.Contains("Gates waiting for approval", page);
        Assert.Contains("6,234 msgs", cut.Find("[data-testid=throughput-30d]").TextContent);
        Assert.DoesNotContain("Visão geral", page);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => FeatureTexts.AssertNoEnglish("DashboardText", "overview", page));
    }

    public async ValueTask DisposeAsync()
    {
        await _ctx.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
