using System.Text.RegularExpressions;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ligbox.Console.Tests.Browser;

/// <summary>Whole flows in a real browser against the real app, saving screenshots on the way.</summary>
public class MigrationFlowTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task ImportsAndListsMailboxes_WhenTechnicianCreatesJobAndUploadsCsv()
    {
        await session.App.CreateUserAsync("tech.browser@ligbox.test", Roles.Technician);
        var login = await session.Browser.NewPageAsync(new BrowserNewPageOptions
        {
            BaseURL = session.App.ServerAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1366, Height = 860 },
        });
        await login.GotoAsync("/account/login");
        await BrowserSession.ScreenshotAsync(login, "01-login");
        await login.CloseAsync();

        var page = await session.SignInAsync("tech.browser@ligbox.test", LigboxAppFactory.DefaultPassword);
        await Expect(page.GetByTestId("jobs-empty")).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "02-jobs-empty");

        await page.GetByTestId("new-job").ClickAsync();
        await page.WaitForURLAsync("**/migration/jobs/new");
        await BrowserSession.WaitInteractiveAsync(page);
        await BrowserSession.Input(page, "domain").FillAsync("contoso-browser.example");
        await BrowserSession.Input(page, "ticket").FillAsync("HD-4711");
        await BrowserSession.Input(page, "source-host").FillAsync("imap.oldhost.example");
        await BrowserSession.Input(page, "destination-host").FillAsync("imap.newhost.example");
        await BrowserSession.Input(page, "exclude").FillAsync("Junk, Trash");
        await page.Keyboard.PressAsync("Tab");
        await BrowserSession.ScreenshotAsync(page, "03-create-job");
        await page.Locator("h1").ClickAsync(); // out of the fields first (see ShowsCsvErrors…)
        await page.GetByTestId("create-job").ClickAsync();

        await page.WaitForURLAsync(new Regex("/migration/jobs/[0-9a-f-]{36}$"));
        await Expect(page.GetByTestId("job-domain")).ToHaveTextAsync("contoso-browser.example");
        await Expect(page.GetByTestId("mailboxes-empty")).ToBeVisibleAsync();
        await BrowserSession.WaitInteractiveAsync(page);

        await page.GetByTestId("import-csv").ClickAsync();
        var csv = "source_user,source_password,dest_user,dest_password,dest_folder_prefix\n" +
                  "anna@contoso-browser.example,Old-Secret-1,anna@new.example,New-Secret-1,\n" +
                  "bert@contoso-browser.example,\"Old,Secret-2\",bert@new.example,New-Secret-2,Imported\n";
        await BrowserSession.ChooseCsvAsync(page, "mailboxes.csv", csv);
        await Expect(page.GetByTestId("csv-row")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("csv-commit")).ToBeEnabledAsync();
        await Expect(page.GetByTestId("csv-commit")).ToContainTextAsync("Import 2");
        await BrowserSession.ScreenshotAsync(page, "04-csv-preview");

        await page.GetByTestId("csv-commit").ClickAsync();
        // First: the snackbar hides itself after a few seconds.
        await Expect(page.GetByText("Imported 2 mailboxes.")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("mailbox-source")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("mailbox-source").First).ToHaveTextAsync("anna@contoso-browser.example");
        // Never a secret on the page.
        Assert.DoesNotContain("Old-Secret-1", await page.ContentAsync());
        await BrowserSession.ScreenshotAsync(page, "05-job-detail");

        // The same login again, one by one: the domain's refusal is shown in the dialog.
        await page.GetByTestId("add-mailbox").ClickAsync();
        await BrowserSession.Input(page, "source-user").FillAsync("ANNA@contoso-browser.example");
        await BrowserSession.Input(page, "source-password").FillAsync("pw-1");
        await BrowserSession.Input(page, "dest-user").FillAsync("anna2@new.example");
        await BrowserSession.Input(page, "dest-password").FillAsync("pw-2");
        await page.Keyboard.PressAsync("Tab");
        await page.GetByTestId("add-mailbox-save").ClickAsync();
        await Expect(page.GetByTestId("add-mailbox-error")).ToContainTextAsync("is already in the job");
        await BrowserSession.ScreenshotAsync(page, "05b-add-mailbox-duplicate");
        await BrowserSession.Input(page, "source-user").FillAsync("carl@contoso-browser.example");
        await page.Keyboard.PressAsync("Tab");
        await page.GetByTestId("add-mailbox-save").ClickAsync();
        await Expect(page.GetByTestId("mailbox-source")).ToHaveCountAsync(3);

        await page.GetByTestId("cancel-job").ClickAsync();
        await BrowserSession.Input(page, "confirm-reason").FillAsync("Customer postponed");
        await page.Keyboard.PressAsync("Tab");
        await page.GetByTestId("confirm-yes").ClickAsync();
        await Expect(page.GetByTestId("phase-chip")).ToHaveAttributeAsync("data-phase", "Cancelled");
        await Expect(page.GetByTestId("cancel-job")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("import-csv")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("audit-trail")).ToContainTextAsync("Customer postponed");

        await page.GotoAsync("/migration/jobs");
        await Expect(page.GetByTestId("job-link")).ToHaveTextAsync("contoso-browser.example");
        await Expect(page.GetByTestId("phase-chip")).ToHaveTextAsync("Cancelled");
        await Expect(page.GetByTestId("ticket-link")).ToHaveAttributeAsync("href", "https://helpdesk.example/tickets/HD-4711");
        await BrowserSession.ScreenshotAsync(page, "06-jobs-list");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ShowsCsvErrorsAndKeepsImportDisabled_WhenRowsAreInvalid()
    {
        var page = await session.SignInAsync(LigboxAppFactory.AdminEmail, LigboxAppFactory.AdminPassword, "/migration/jobs/new");
        await BrowserSession.Input(page, "domain").FillAsync("badcsv.example");
        await BrowserSession.Input(page, "source-host").FillAsync("imap.a.example");
        await BrowserSession.Input(page, "destination-host").FillAsync("imap.b.example");
        await page.Keyboard.PressAsync("Tab");
        // Leave the form's fields first: the blur re-renders the form, and a click whose press blurs a field can land
        // after the button has moved (seen twice in CI: the job was never created).
        await page.Locator("h1").ClickAsync();
        await page.GetByTestId("create-job").ClickAsync();
        await page.WaitForURLAsync(new Regex("/migration/jobs/[0-9a-f-]{36}$"));
        await BrowserSession.WaitInteractiveAsync(page);

        await page.GetByTestId("import-csv").ClickAsync();
        await BrowserSession.ChooseCsvAsync(page, "bad.csv",
            "source_user,source_password,dest_user,dest_password\nok@badcsv.example,pw,ok@new.example,pw\n=cmd,pw,x@new.example,\n");

        await Expect(page.GetByTestId("csv-errors")).ToContainTextAsync("dest_password");
        await Expect(page.GetByTestId("csv-errors")).ToContainTextAsync("spreadsheet formula");
        await Expect(page.GetByTestId("csv-commit")).ToBeDisabledAsync();
        await BrowserSession.ScreenshotAsync(page, "07-csv-errors");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ShowsFieldErrors_WhenCreateFormSubmittedWithBadValues()
    {
        var page = await session.SignInAsync(LigboxAppFactory.AdminEmail, LigboxAppFactory.AdminPassword, "/migration/jobs/new");
        await BrowserSession.Input(page, "domain").FillAsync("not a domain");
        await BrowserSession.Input(page, "source-port").FillAsync("70000");
        await page.Keyboard.PressAsync("Tab");
        await page.GetByTestId("create-job").ClickAsync();

        await Expect(page.GetByText("That is not a domain name")).ToBeVisibleAsync();
        await Expect(page.GetByText("The port must be between 1 and 65535")).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "03b-create-job-errors");
        await Expect(page.GetByText("Enter the IMAP server's host name, e.g. imap.example.com.")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("form-error")).ToBeVisibleAsync();
        Assert.EndsWith("/migration/jobs/new", page.Url);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ShowsFriendlyMessage_WhenJobIdUnknown()
    {
        var page = await session.SignInAsync(LigboxAppFactory.AdminEmail, LigboxAppFactory.AdminPassword, $"/migration/jobs/{Guid.NewGuid()}");

        await Expect(page.GetByTestId("job-not-found")).ToContainTextAsync("There is no migration job with this address");
        Assert.DoesNotContain("Exception", await page.ContentAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SignOut_FromTheAccountMenu_EndsTheSession()
    {
        await session.App.CreateUserAsync("signout.browser@ligbox.test", Roles.Technician);
        var page = await session.SignInAsync("signout.browser@ligbox.test", LigboxAppFactory.DefaultPassword);
        await BrowserSession.WaitInteractiveAsync(page);

        await page.GetByTestId("account-menu").ClickAsync();
        await page.GetByTestId("sign-out").ClickAsync();

        await page.WaitForURLAsync("**/account/login**");
        await page.GotoAsync("/migration/jobs");
        await page.WaitForURLAsync("**/account/login**");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ShowsUsersAndTokenSecretOnce_WhenAdminOpensAdminPages()
    {
        await session.App.CreateUserAsync("ops.browser@ligbox.test", Roles.OpsLead, displayName: "Olga Ops");
        var page = await session.SignInAsync(LigboxAppFactory.AdminEmail, LigboxAppFactory.AdminPassword, "/admin/users");
        await Expect(page.GetByTestId("user-email").Filter(new() { HasText = "ops.browser@ligbox.test" })).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "08-users");

        // Identity's password rules come back into the dialog, in its words.
        await page.GetByTestId("create-user").ClickAsync();
        await BrowserSession.Input(page, "new-user-email").FillAsync("new.tech@ligbox.test");
        await BrowserSession.Input(page, "new-user-password").FillAsync("short");
        await page.Keyboard.PressAsync("Tab");
        await page.GetByTestId("create-user-save").ClickAsync();
        await Expect(page.GetByTestId("create-user-error")).ToContainTextAsync("at least 10 characters");
        await BrowserSession.Input(page, "new-user-password").FillAsync("Str0ng-Passw0rd!");
        await page.Keyboard.PressAsync("Tab");
        await page.GetByTestId("create-user-save").ClickAsync();
        await Expect(page.GetByTestId("user-email").Filter(new() { HasText = "new.tech@ligbox.test" })).ToBeVisibleAsync();

        // The only admin cannot be disabled: the domain's refusal is shown, nothing changes.
        await page.Locator("tr", new() { HasText = LigboxAppFactory.AdminEmail }).GetByTestId("user-toggle").ClickAsync();
        await page.GetByTestId("confirm-yes").ClickAsync();
        await Expect(page.GetByText("You cannot disable the last active admin")).ToBeVisibleAsync();
        await Expect(page.Locator("tr", new() { HasText = LigboxAppFactory.AdminEmail })).ToContainTextAsync("Active");

        await page.GotoAsync("/admin/tokens");
        await BrowserSession.WaitInteractiveAsync(page);
        await page.GetByTestId("create-token").ClickAsync();
        await BrowserSession.Input(page, "token-name-input").FillAsync("helpdesk automation");
        await page.GetByTestId("create-token-save").ClickAsync();
        var secret = BrowserSession.Input(page, "token-secret");
        await Expect(secret).ToHaveValueAsync(new Regex("^.{20,}$"));
        await BrowserSession.ScreenshotAsync(page, "09-token-secret");
        await page.GetByTestId("token-done").ClickAsync();
        await Expect(page.GetByTestId("token-name").Filter(new() { HasText = "helpdesk automation" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("token-secret")).ToHaveCountAsync(0);
        await BrowserSession.ScreenshotAsync(page, "10-tokens");

        await page.GetByTestId("token-revoke").ClickAsync();
        await page.GetByTestId("confirm-yes").ClickAsync();
        await Expect(page.GetByTestId("token-status")).ToHaveTextAsync("Revoked");
        await Expect(page.GetByTestId("token-revoke")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }
}
