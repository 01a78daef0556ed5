using Bunit;
using Ligbox.Console.Components.Pages.Jobs.Components;
using Ligbox.Console.Tests.Components;
using Ligbox.Console.Tests.Infrastructure;

namespace Ligbox.Console.Tests.Runs;

/// <summary>
/// The same start-rules table against the page's buttons (bUnit on the real Core services): a refused pass is a
/// disabled button whose tooltip and text give the API's reason; an allowed one names the mailboxes it covers.
/// </summary>
public class RunStartRulesPageTests(LigboxAppFactory app) : IClassFixture<LigboxAppFactory>
{
    /// <summary>Every row the page can express: its buttons target all mailboxes, and "Retry failed" is an initial of the failed ones.</summary>
    public static TheoryData<string, int> Rows
    {
        get
        {
            var rows = new TheoryData<string, int>();
            foreach (var (scenario, expectations) in RunStartRulesCases.Table)
            {
                for (var i = 0; i < expectations.Length; i++)
                {
                    if (!expectations[i].FailedOnly || expectations[i].Kind == "initial")
                    {
                        rows.Add(scenario, i);
                    }
                }
            }

            return rows;
        }
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task ThePageButtonsFollowTheTable(string scenario, int row)
    {
        var expected = RunStartRulesCases.Table[scenario][row];
        var (jobId, domain) = await RunStartRulesCases.SeedAsync(app.Services, scenario);
        await using var ctx = new PageTestContext(app);

        var cut = ctx.Render<RunsPanel>(p => p.Add(x => x.JobId, jobId));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='run-initial']")), TimeSpan.FromSeconds(10));
        await Task.Delay(50);

        if (expected.FailedOnly)
        {
            // The page offers the failed ones through "Retry failed" (an initial of the failed mailboxes).
            if (expected.Kind == "initial" && expected.Covers is { } failedOnes)
            {
                cut.WaitForAssertion(() => Assert.Contains($"Covers {failedOnes.Length} of", cut.Find("[data-testid='run-retry-failed']").GetAttribute("title")));
            }
            else
            {
                Assert.Empty(cut.FindAll("[data-testid='run-retry-failed']"));
            }

            return;
        }

        cut.WaitForAssertion(() =>
        {
            var button = cut.Find($"[data-testid='run-{expected.Kind}']");
            var title = button.GetAttribute("title") ?? "";
            if (expected.Refusal is { } refusal)
            {
                Assert.True(button.HasAttribute("disabled"), $"{scenario}/{expected.Kind} should be disabled");
                Assert.Contains(refusal, title);
                Assert.Contains(refusal, cut.Markup);
            }
            else
            {
                Assert.False(button.HasAttribute("disabled"), $"{scenario}/{expected.Kind} should be enabled: {title}");
                var logins = expected.Covers!.Select(l => $"{l}@{domain}").ToList();
                Assert.StartsWith($"Covers {logins.Count} of", title);
                Assert.All(logins, l => Assert.Contains(l, title));
                Assert.Contains($"Covers {logins.Count} of", cut.Find($"[data-testid='run-coverage-{expected.Kind}']").TextContent);
            }
        }, TimeSpan.FromSeconds(10));
    }
}
