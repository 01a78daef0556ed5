using Ligbox.Console.Tests.Browser;
using Ligbox.Console.Tests.Gate;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Core.Audit;
using Ligbox.Core.Gate;
using Ligbox.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Security;

/// <summary>
/// Issue 12: an ops lead's open job pages keep no rights the store took away. The page re-validates only
/// every 5 minutes here, so what refuses is Core's RightsGuard, reached from the still-open circuit.
/// </summary>
public class RevokedRightsBrowserTests(RevokedRightsBrowserTests.Session session) : IClassFixture<RevokedRightsBrowserTests.Session>
{
    public sealed class Session() : BrowserSession(new LongRevalidationApp())
    {
        private sealed class LongRevalidationApp : LigboxKestrelAppFactory
        {
            protected override IDictionary<string, string?> Settings =>
                new Dictionary<string, string?>(base.Settings) { ["Ligbox:Security:RevalidationInterval"] = "00:05:00" };
        }
    }

    [Fact]
    public async Task DemotedAndDisabledOpsLead_OpenPagesCannotRevokeOrApprove()
    {
        const string Lead = "lead.demoted@ligbox.test";
        var lead = await session.App.CreateUserAsync(Lead, Roles.OpsLead);
        var approvedJob = await GateSeed.ReadyJobAsync(session.App.Services, "demoted-approved.example");
        var readyJob = await GateSeed.ReadyJobAsync(session.App.Services, "demoted-ready.example");
        var gates = session.App.Services.GetRequiredService<GateService>();
        await gates.ApproveAsync(approvedJob, LigboxAppFactory.AdminEmail, "Approved before the demotion.", false);

        var revokePage = await session.SignInAsync(Lead, LigboxAppFactory.DefaultPassword, $"/migration/jobs/{approvedJob}");
        var cspErrors = CollectCspErrors(revokePage);
        await Expect(revokePage.GetByTestId("gate-revoke")).ToBeEnabledAsync();
        var approvePage = await revokePage.Context.NewPageAsync();
        await approvePage.GotoAsync($"/migration/jobs/{readyJob}");
        await BrowserSession.WaitInteractiveAsync(approvePage);
        await Expect(approvePage.GetByTestId("gate-approve")).ToBeEnabledAsync();

        // The admin demotes and disables the lead while both pages stay open.
        await using (var scope = session.App.Services.CreateAsyncScope())
        {
            var admin = scope.ServiceProvider.GetRequiredService<UserAdminService>();
            await admin.SetRoleAsync(lead.Id, Roles.Technician, LigboxAppFactory.AdminEmail);
            await admin.SetDisabledAsync(lead.Id, true, LigboxAppFactory.AdminEmail);
        }

        await DecideAsync(revokePage, "gate-revoke", "Revoking after my demotion.");
        await Expect(revokePage.GetByText("Your account is disabled, so nothing was changed").First).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(revokePage, "security-01-revoke-refused");

        await DecideAsync(approvePage, "gate-approve", "Approving after my demotion.");
        await Expect(approvePage.GetByText("Your account is disabled, so nothing was changed").First).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(approvePage, "security-02-approve-refused");

        // The store: the first gate is still approved by the admin, the second still only ready, and the
        // audit trail holds no decision by the lead.
        var approved = await gates.GetAsync(approvedJob);
        Assert.Equal(GateState.Approved, approved.State);
        Assert.Equal(LigboxAppFactory.AdminEmail, approved.ApprovedBy);
        Assert.Equal(GateState.Ready, (await gates.GetAsync(readyJob)).State);
        var factory = session.App.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        Assert.False(await db.Set<AuditEntry>().AnyAsync(a => a.Actor == Lead && a.Action.StartsWith("gate.")));
        Assert.Empty(cspErrors);
    }

    private static async Task DecideAsync(IPage page, string button, string comment)
    {
        await page.GetByTestId(button).ClickAsync();
        await BrowserSession.Input(page, "gate-comment").FillAsync(comment);
        await page.Keyboard.PressAsync("Tab");
        await page.GetByTestId("gate-dialog-confirm").ClickAsync();
    }

    /// <summary>Chromium reports every CSP violation on the console.</summary>
    public static List<string> CollectCspErrors(IPage page)
    {
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                lock (errors)
                {
                    errors.Add(message.Text);
                }
            }
        };
        return errors;
    }
}
