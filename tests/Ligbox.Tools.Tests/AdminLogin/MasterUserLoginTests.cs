using Ligbox.Testing.Dovecot;
using Ligbox.Testing.Imapsync;
using Ligbox.Tools.Doveadm;
using Ligbox.Tools.Imapsync;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Processes;
using MailKit;
using Microsoft.Extensions.Options;

namespace Ligbox.Tools.Tests.AdminLogin;

/// <summary>
/// One admin credential per side migrates three mailboxes whose own passwords the engines never get: real Dovecot
/// servers with a master user (<c>passdb master=yes</c>, separator <c>*</c>), for the native, imapsync and doveadm engines.
/// </summary>
public sealed class MasterUserLoginTests : IAsyncLifetime, IDisposable
{
    private static readonly DovecotMasterUser SourceAdmin = new("migrator", "src-admin-pw");
    private static readonly DovecotMasterUser DestinationAdmin = new("migrator", "dst-admin-pw");
    private static readonly string[] Users = ["ana@example.com", "bia@example.com", "caio@example.com"];
    private readonly string _work = Directory.CreateTempSubdirectory("lbx-master-").FullName;

    private DovecotServer Source { get; } = new(new DovecotServerOptions { MasterUser = SourceAdmin });

    private DovecotServer Destination { get; } = new(new DovecotServerOptions { MasterUser = DestinationAdmin });

    public async Task InitializeAsync()
    {
        await Task.WhenAll(Source.StartAsync(), Destination.StartAsync());
        foreach (var (user, i) in Users.Select((u, i) => (u, i)))
        {
            // Each user has a password of their own the engines never see.
            Source.AddUser(user, $"own-src-{Guid.NewGuid():N}");
            Destination.AddUser(user, $"own-dst-{Guid.NewGuid():N}");
            await Source.SeedMaildirAsync(user, "INBOX", Enumerable.Range(0, i + 2).Select(n =>
                new SeedRawMessage(TestMessages.ToBytes(TestMessages.Create($"{user} {n}")), DateTimeOffset.UtcNow.AddDays(-n), MessageFlags.Seen)));
        }
    }

    public Task DisposeAsync()
    {
        Source.Dispose();
        Destination.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private ImapEndpoint SourceAs(string user, ImapAdminMode mode, string? password = null) =>
        new(Source.Host, Source.Port, ImapSecurity.None, user, password ?? SourceAdmin.Password) { AdminUser = SourceAdmin.Name, AdminMode = mode };

    private ImapEndpoint DestinationAs(string user, ImapAdminMode mode) =>
        new(Destination.Host, Destination.Port, ImapSecurity.None, user, DestinationAdmin.Password) { AdminUser = DestinationAdmin.Name, AdminMode = mode };

    private async Task AssertAllCopiedAsync()
    {
        foreach (var (user, i) in Users.Select((u, i) => (u, i)))
        {
            Assert.Equal(i + 2, await Destination.CountMessagesAsync(user, "INBOX"));
        }
    }

    [Fact]
    public async Task NativeEngine_MigratesThreeMailboxes_WithOneAdminCredentialPerSide()
    {
        var engine = new NativeImapSyncEngine(new NativeImapOptions());

        foreach (var user in Users)
        {
            // The source through "user*migrator", the destination through SASL PLAIN with the user as authorization identity.
            var statistics = await engine.SyncAsync(new SyncRequest
            {
                Source = SourceAs(user, ImapAdminMode.MasterUser),
                Destination = DestinationAs(user, ImapAdminMode.ProxyAuth),
                Kind = SyncKind.Initial,
            }, new InMemorySyncStateStore());
            Assert.Equal(0, statistics.Errors);
        }

        await AssertAllCopiedAsync();
    }

    [Fact]
    public async Task NativeEngine_SaysTheAdminLoginFailed_WhenTheAdminPasswordIsWrong()
    {
        var connector = new ImapConnector(new NativeImapOptions(), new ImapCommandCounter());

        var ex = await Assert.ThrowsAsync<ImapSyncException>(() => connector.OpenAsync(SourceAs(Users[0], ImapAdminMode.MasterUser, "wrong"), ImapSide.Source));

        Assert.Equal(ImapFailureKind.AuthenticationFailed, ex.Failure.Kind);
        Assert.StartsWith("the admin login migrator could not log in as ana@example.com on the source (as ana@example.com*migrator): check the admin password", ex.Message);
    }

    [Fact]
    public async Task RealImapsync_MigratesThreeMailboxes_WithOneAdminCredentialPerSide()
    {
        var runner = new ImapsyncRunner(new CliWrapProcessRunner(), Options.Create(new ImapsyncSettings
        {
            ImapsyncPath = RealImapsync.Path,
            LogDirectory = Path.Combine(_work, "logs"),
            WorkDirectory = Path.Combine(_work, "private"),
        }));

        foreach (var user in Users)
        {
            // host1 as "user*migrator" (master user), host2 with --authuser2 migrator (SASL PLAIN authorization identity).
            var result = await runner.RunAsync(new ImapsyncOptions
            {
                Host1 = new ImapsyncEndpoint { Host = Source.Host, Port = Source.Port, User = $"{user}*{SourceAdmin.Name}", Password = SourceAdmin.Password },
                Host2 = new ImapsyncEndpoint { Host = Destination.Host, Port = Destination.Port, User = user, AuthUser = DestinationAdmin.Name, Password = DestinationAdmin.Password },
            });
            Assert.True(result.ExitCode == 0, File.ReadAllText(result.LogFilePath!));
        }

        await AssertAllCopiedAsync();
    }

    [Theory]
    [InlineData(ImapAdminMode.MasterUser)]
    [InlineData(ImapAdminMode.ProxyAuth)]
    public async Task Doveadm_MigratesThreeMailboxes_WithTheSourceAdminCredential(ImapAdminMode mode)
    {
        var engine = new DoveadmSyncEngine(new CliWrapProcessRunner(), Options.Create(new DoveadmSettings { ConfigFile = Destination.ConfigPath, WorkDirectory = _work }));

        foreach (var user in Users)
        {
            // The destination is the local Dovecot doveadm manages: no login there.
            await engine.SyncAsync(new SyncRequest
            {
                Source = SourceAs(user, mode),
                Destination = new ImapEndpoint(Destination.Host, Destination.Port, ImapSecurity.None, user, "unused"),
                Kind = SyncKind.Initial,
            });
        }

        await AssertAllCopiedAsync();
    }
}
