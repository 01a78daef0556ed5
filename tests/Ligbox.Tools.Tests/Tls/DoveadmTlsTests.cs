using Ligbox.Testing.Dovecot;
using Ligbox.Tools.Doveadm;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Processes;
using Ligbox.Tools.Tests.NativeImap;
using MailKit;
using Microsoft.Extensions.Options;

namespace Ligbox.Tools.Tests.Tls;

/// <summary>The doveadm engine (imapc) pulling from a real Dovecot that serves TLS on its own self-signed certificate.</summary>
public sealed class DoveadmTlsTests : TlsDovecotTest, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("lbx-dsync-tls-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private DoveadmSyncEngine Engine() => new(new CliWrapProcessRunner(), Options.Create(new DoveadmSettings
    {
        ConfigFile = Destination.ConfigPath,
        WorkDirectory = _work,
    }));

    private static SyncRequest Request(ImapEndpoint source, ImapEndpoint destination) =>
        new() { Source = source, Destination = destination, Kind = SyncKind.Initial };

    [Theory]
    [InlineData(ImapSecurity.Ssl)]
    [InlineData(ImapSecurity.StartTls)]
    public async Task CopiesTheMailbox_WhenTheSelfSignedCertificateIsPinned(ImapSecurity security)
    {
        var source = Account(Source, security, pin: Certificate.Sha256);
        var destination = Account(Destination, ImapSecurity.None);
        await Mailbox.SeedAsync(Source, source, "INBOX", Mailbox.Message("one", MessageFlags.Seen, day: 1), Mailbox.Message("two", day: 2));

        var statistics = await Engine().SyncAsync(Request(source, destination));

        Assert.Equal(2, statistics.MessagesTransferred);
        Assert.Equal(2, await Destination.CountMessagesAsync(destination.User, "INBOX"));
        Assert.Empty(Directory.GetFiles(_work)); // the pinned certificate's file and the password file are gone
    }

    [Theory]
    [InlineData(ImapSecurity.Ssl)]
    [InlineData(ImapSecurity.StartTls)]
    public async Task Refuses_InPlainWordsWithTheFingerprint_WhenNothingIsPinned(ImapSecurity security)
    {
        var source = Account(Source, security);
        var destination = Account(Destination, ImapSecurity.None);

        var ex = await Assert.ThrowsAsync<ImapSyncException>(() => Engine().SyncAsync(Request(source, destination)));

        Assert.Equal((ImapFailureKind.Tls, Certificate.Sha256), (ex.Failure.Kind, ex.Failure.CertificateSha256));
        Assert.Contains($"on the source is not trusted: it is self-signed or issued by an authority this machine does not trust. Its SHA-256 fingerprint is {CertificatePin.Display(Certificate.Sha256)}", ex.Message);
        Assert.Equal(0, await Destination.CountMessagesAsync(destination.User, "INBOX"));
    }

    [Fact]
    public async Task Refuses_InPlainWords_WhenThePinnedCertificateWasReplaced()
    {
        var replaced = TestCertificate.Create(CertificateDirectory, "replaced");
        var server = await StartWithCertificateAsync(replaced);
        var source = Account(server, ImapSecurity.Ssl, pin: Certificate.Sha256);
        var destination = Account(Destination, ImapSecurity.None);

        var ex = await Assert.ThrowsAsync<ImapSyncException>(() => Engine().SyncAsync(Request(source, destination)));

        Assert.Contains($"changed: the job trusts SHA-256 {CertificatePin.Display(Certificate.Sha256)}, but the server now presents {CertificatePin.Display(replaced.Sha256)}", ex.Message);
        Assert.Empty(Directory.GetFiles(_work));
    }
}
