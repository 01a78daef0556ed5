using Bunit;
using Ligbox.Console.Components.Pages.Jobs.Components;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Audit;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Zimbra;
using Ligbox.Testing.Zimbra;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Ligbox.Console.Tests.Components.Pages.Jobs;

/// <summary>
/// The job page's "Zimbra server over SSH" panel and a mailbox's "Export from Zimbra" action on the real Core
/// services (ZimbraSshService, real SQLite) and a real OpenSSH server on 127.0.0.1: probe, confirm the host key,
/// save (the secret never shown again), change, the errors in plain words; the export disabled with its reason
/// until the job has a server.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ZimbraSshPanelTests(ZimbraSshPanelTests.Fixture fixture) : IClassFixture<ZimbraSshPanelTests.Fixture>, IAsyncDisposable
{
    public sealed class Fixture : LigboxAppFactory
    {
        public OpenSshServer Sshd { get; } = new();

        public override async Task InitializeAsync()
        {
            await Sshd.StartAsync();
            await base.InitializeAsync();
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            Sshd.Dispose();
        }
    }

    private readonly PageTestContext _ctx = new(fixture);
    private readonly AsyncServiceScope _scope = fixture.Services.CreateAsyncScope();

    private OpenSshServer Sshd => fixture.Sshd;

    public async ValueTask DisposeAsync()
    {
        await _ctx.DisposeAsync();
        await _scope.DisposeAsync();
    }

    [Fact]
    public async Task Probe_shows_the_host_key_which_must_be_confirmed_before_saving_and_the_key_is_never_shown_again()
    {
        var job = await NewJobAsync("zpanel-save");
        var cut = Render<ZimbraSshPanel>(job.Id);
        Assert.Contains("No Zimbra server is set for this job.", cut.Find("[data-testid=zimbra-ssh-none]").TextContent);

        cut.Find("[data-testid=zimbra-ssh-set]").Click();
        Assert.True(cut.Find("[data-testid=zimbra-ssh-save]").HasAttribute("disabled"));
        Assert.Equal("Give the host.", cut.Find("[data-testid=zimbra-ssh-save-blocked]").TextContent);
        cut.Input("zimbra-ssh-host").Change(Sshd.Host);
        cut.Input("zimbra-ssh-port").Change(Sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        cut.Input("zimbra-ssh-user").Change(Sshd.User);
        Assert.Equal("Paste the private key or load it from a file.", cut.Find("[data-testid=zimbra-ssh-save-blocked]").TextContent);
        cut.Input("zimbra-ssh-key").Change(Sshd.ClientKey);
        cut.Input("zimbra-ssh-zmmailbox").Change(Sshd.Zmmailbox);
        Assert.Equal("Probe the server to see its host key.", cut.Find("[data-testid=zimbra-ssh-save-blocked]").TextContent);

        await cut.Find("[data-testid=zimbra-ssh-probe]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal(Sshd.HostKeySha256, cut.Find("[data-testid=zimbra-ssh-probed-key]").TextContent), TimeSpan.FromSeconds(20));
        Assert.Empty(cut.FindAll("[data-testid=zimbra-ssh-key-changed]"));
        Assert.True(cut.Find("[data-testid=zimbra-ssh-save]").HasAttribute("disabled"));
        Assert.Equal("Confirm the host key once you have checked it.", cut.Find("[data-testid=zimbra-ssh-save-blocked]").TextContent);

        cut.Input("zimbra-ssh-confirm").Change(true);
        await cut.Find("[data-testid=zimbra-ssh-save]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal($"{Sshd.User}@{Sshd.Host}:{Sshd.Port}", cut.Find("[data-testid=zimbra-ssh-server]").TextContent));
        Assert.Equal(Sshd.HostKeySha256, cut.Find("[data-testid=zimbra-ssh-hostkey]").TextContent);
        Assert.Equal("private key", cut.Find("[data-testid=zimbra-ssh-login]").TextContent);
        Assert.DoesNotContain("PRIVATE KEY", cut.Markup);
        var saved = await Service<ZimbraSshService>().GetAsync(job.Id);
        Assert.Equal((true, false, Sshd.HostKeySha256), (saved!.HasPrivateKey, saved.HasPassword, saved.HostKeySha256));
        Assert.Equal(PageTestContext.UserName, saved.ConfirmedBy);
        var audit = await Service<AuditLog>().ListAsync(job.Id);
        Assert.Contains(audit, a => a.Action == "zimbra.ssh.saved" && a.Actor == PageTestContext.UserName
            && System.Text.Json.JsonDocument.Parse(a.Details!).RootElement.GetProperty("hostKey").GetString() == Sshd.HostKeySha256);
        Assert.DoesNotContain(audit, a => a.Details?.Contains("PRIVATE KEY") == true);
    }

    [Fact]
    public async Task An_unreachable_server_is_said_in_plain_words_and_nothing_can_be_saved()
    {
        var job = await NewJobAsync("zpanel-down");
        var cut = Render<ZimbraSshPanel>(job.Id);
        cut.Find("[data-testid=zimbra-ssh-set]").Click();
        cut.Input("zimbra-ssh-host").Change("127.0.0.1");
        cut.Input("zimbra-ssh-port").Change(ClosedPort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        cut.Input("zimbra-ssh-key").Change(Sshd.ClientKey);

        await cut.Find("[data-testid=zimbra-ssh-probe]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.StartsWith("Cannot reach the SSH server 127.0.0.1:", cut.Find("[data-testid=zimbra-ssh-problem]").TextContent), TimeSpan.FromSeconds(20));
        Assert.Empty(cut.FindAll("[data-testid=zimbra-ssh-probed]"));
        Assert.True(cut.Find("[data-testid=zimbra-ssh-save]").HasAttribute("disabled"));
        Assert.Null(await Service<ZimbraSshService>().GetAsync(job.Id));
    }

    [Fact]
    public async Task Changing_warns_about_a_different_host_key_and_a_refused_password_login_is_said_in_plain_words()
    {
        var job = await NewJobAsync("zpanel-change");
        const string oldKey = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        // Saving now logs in first, so an old key can only be on file: as if the server was reinstalled since.
        await Service<ZimbraSshService>().SaveAsync(job.Id, new ZimbraSshSettingsInput(Sshd.Host, Sshd.Port, Sshd.User, Sshd.ClientKey, null, Sshd.HostKeySha256, Sshd.Zmmailbox), "seed");
        var file = Path.Combine(fixture.DataDir, "zimbra-ssh", $"{job.Id}.json");
        // Through the JSON, not the text: the serializer escapes a '+' of the real key as \u002B.
        var stored = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(file))!.AsObject();
        Assert.Equal(Sshd.HostKeySha256, (string?)stored["hostKeySha256"]);
        stored["hostKeySha256"] = oldKey;
        await File.WriteAllTextAsync(file, stored.ToJsonString());
        var cut = Render<ZimbraSshPanel>(job.Id);
        Assert.Equal(oldKey, cut.Find("[data-testid=zimbra-ssh-hostkey]").TextContent);

        cut.Find("[data-testid=zimbra-ssh-change]").Click();
        Assert.Equal(Sshd.Host, cut.Input("zimbra-ssh-host").GetAttribute("value"));
        Assert.True(cut.Input("zimbra-ssh-login-keep").HasAttribute("checked") || cut.Find("input[data-testid=zimbra-ssh-login-keep]").HasAttribute("checked"));
        await cut.Find("[data-testid=zimbra-ssh-probe]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("This is not the key confirmed before", cut.Find("[data-testid=zimbra-ssh-key-changed]").TextContent), TimeSpan.FromSeconds(20));
        Assert.Contains(oldKey, cut.Find("[data-testid=zimbra-ssh-key-changed]").TextContent);

        // Another port needs another probe: the key confirmed is the one of the server probed.
        cut.Input("zimbra-ssh-port").Change("2");
        Assert.Empty(cut.FindAll("[data-testid=zimbra-ssh-probed]"));
        cut.Input("zimbra-ssh-port").Change(Sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await cut.Find("[data-testid=zimbra-ssh-probe]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Equal(Sshd.HostKeySha256, cut.Find("[data-testid=zimbra-ssh-probed-key]").TextContent), TimeSpan.FromSeconds(20));

        // This server refuses passwords: the login check says so before anything is saved.
        cut.Find("input[data-testid=zimbra-ssh-login-password]").Click();
        cut.Input("zimbra-ssh-password").Change("Zimbra-Pa55!");
        cut.Input("zimbra-ssh-confirm").Change(true);
        await cut.Find("[data-testid=zimbra-ssh-save]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Contains($"refused the login of '{Sshd.User}' with the password given", cut.Find("[data-testid=zimbra-ssh-problem]").TextContent),
            TimeSpan.FromSeconds(20));
        Assert.Equal(oldKey, (await Service<ZimbraSshService>().GetAsync(job.Id))!.HostKeySha256);

        // Keeping the stored key, the new host key is saved.
        cut.Find("input[data-testid=zimbra-ssh-login-keep]").Click();
        await cut.Find("[data-testid=zimbra-ssh-save]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Equal(Sshd.HostKeySha256, cut.Find("[data-testid=zimbra-ssh-hostkey]").TextContent), TimeSpan.FromSeconds(20));
        var saved = await Service<ZimbraSshService>().GetAsync(job.Id);
        Assert.Equal((true, false, Sshd.HostKeySha256), (saved!.HasPrivateKey, saved.HasPassword, saved.HostKeySha256));
        Assert.DoesNotContain("Zimbra-Pa55!", cut.Markup);
    }

    [Fact]
    public async Task The_private_key_can_be_loaded_from_a_file()
    {
        var job = await NewJobAsync("zpanel-file");
        var cut = Render<ZimbraSshPanel>(job.Id);
        cut.Find("[data-testid=zimbra-ssh-set]").Click();

        cut.FindComponent<Microsoft.AspNetCore.Components.Forms.InputFile>().UploadFiles(InputFileContent.CreateFromText(Sshd.ClientKey, "id_ed25519"));

        cut.WaitForAssertion(() => Assert.Equal("id_ed25519", cut.Find("[data-testid=zimbra-ssh-key-file-name]").TextContent));
        Assert.Equal(Sshd.ClientKey, cut.Find("textarea[data-testid=zimbra-ssh-key], [data-testid=zimbra-ssh-key] textarea").TextContent);
    }

    [Fact]
    public async Task Export_from_Zimbra_is_disabled_with_the_reason_until_the_job_has_a_server_then_enabled()
    {
        var job = await NewJobAsync("zpanel-export");
        var mailbox = await Service<MailboxService>().AddAsync(job.Id, new AddMailboxRequest
        {
            SourceUser = "ana@zpanel-export.example.com", SourcePassword = "unused", DestUser = "ana@zpanel-export.example.com", DestPassword = "unused",
        }, "seed");
        var cut = Render<ZimbraExportAction>(job.Id, mailbox);

        Assert.True(cut.Find("[data-testid=zimbra-export-start]").HasAttribute("disabled"));
        Assert.Contains("No Zimbra server is set for this job", cut.Find("[data-testid=zimbra-export-disabled]").TextContent);

        await Service<ZimbraSshService>().SaveAsync(job.Id, new ZimbraSshSettingsInput(Sshd.Host, Sshd.Port, Sshd.User, Sshd.ClientKey, null, Sshd.HostKeySha256, Sshd.Zmmailbox), "seed");

        // The save writes the job's audit trail; the open action follows it.
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=zimbra-export-start]").HasAttribute("disabled")), TimeSpan.FromSeconds(10));
        Assert.Equal("ana@zpanel-export.example.com", cut.Input("zimbra-export-account").GetAttribute("placeholder"));
        Assert.Empty(cut.FindAll("[data-testid=zimbra-export-disabled]"));
    }

    private IRenderedComponent<T> Render<T>(Guid jobId, MailboxDto? mailbox = null)
        where T : IComponent
    {
        var host = _ctx.Render(b =>
        {
            b.OpenComponent<MudPopoverProvider>(0);
            b.CloseComponent();
            b.OpenComponent<MudSnackbarProvider>(1);
            b.CloseComponent();
            b.OpenComponent<MudDialogProvider>(2);
            b.CloseComponent();
            b.OpenComponent<T>(3);
            b.AddAttribute(4, "JobId", jobId);
            if (mailbox is not null)
            {
                b.AddAttribute(5, "Mailbox", mailbox);
            }

            b.CloseComponent();
        });
        return host.FindComponent<T>();
    }

    private T Service<T>()
        where T : notnull => _scope.ServiceProvider.GetRequiredService<T>();

    private async Task<JobDto> NewJobAsync(string prefix)
    {
        await using var scope = fixture.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<JobService>().CreateAsync(new CreateJobRequest
        {
            Domain = $"{prefix}-{Guid.NewGuid():N}"[..24] + ".example.com",
            Source = new() { Host = "imap.old.example.com", Port = 993 },
            Destination = new() { Host = "mail.ligbox.example", Port = 993 },
        }, LigboxAppFactory.AdminEmail);
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
