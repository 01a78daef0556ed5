using Ligbox.Testing.Dovecot;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Tests.NativeImap;
using MailKit;

namespace Ligbox.Tools.Tests.Tls;

/// <summary>The native engine against a real Dovecot serving TLS on its own self-signed certificate.</summary>
public sealed class NativeImapTlsTests : TlsDovecotTest
{
    private static ImapConnector Connector() => new(new NativeImapOptions(), new ImapCommandCounter());

    [Theory]
    [InlineData(ImapSecurity.Ssl)]
    [InlineData(ImapSecurity.StartTls)]
    public async Task LogsIn_WhenTheSelfSignedCertificateIsPinned(ImapSecurity security)
    {
        var account = Account(Source, security, pin: Certificate.Sha256);

        using var connection = await Connector().OpenAsync(account, ImapSide.Source);

        Assert.True(connection.Client.IsAuthenticated);
        Assert.True(connection.Client.IsSecure);
    }

    [Theory]
    [InlineData(ImapSecurity.Ssl)]
    [InlineData(ImapSecurity.StartTls)]
    public async Task Refuses_InPlainWordsWithTheFingerprint_WhenNothingIsPinned(ImapSecurity security)
    {
        var account = Account(Source, security);

        var ex = await Assert.ThrowsAsync<ImapSyncException>(() => Connector().OpenAsync(account, ImapSide.Source));

        Assert.Equal(ImapFailureKind.Tls, ex.Failure.Kind);
        Assert.Equal(Certificate.Sha256, ex.Failure.CertificateSha256);
        Assert.Contains($"the TLS certificate of 127.0.0.1:{account.Port} on the source is not trusted: it is self-signed or issued by an authority this machine does not trust", ex.Message);
        Assert.Contains($"Its SHA-256 fingerprint is {CertificatePin.Display(Certificate.Sha256)}", ex.Message);
        Assert.Contains("pinning it in the job's source server settings", ex.Message);
        Assert.DoesNotContain(account.Secret, ex.Failure.Detail ?? "");
    }

    [Theory]
    [InlineData(ImapSecurity.Ssl)]
    [InlineData(ImapSecurity.StartTls)]
    public async Task Refuses_InPlainWords_WhenThePinnedCertificateWasReplaced(ImapSecurity security)
    {
        var replaced = TestCertificate.Create(CertificateDirectory, "replaced");
        var server = await StartWithCertificateAsync(replaced);
        var account = Account(server, security, pin: Certificate.Sha256);

        var ex = await Assert.ThrowsAsync<ImapSyncException>(() => Connector().OpenAsync(account, ImapSide.Destination));

        Assert.Equal(ImapFailureKind.Tls, ex.Failure.Kind);
        Assert.Equal(replaced.Sha256, ex.Failure.CertificateSha256);
        Assert.Contains($"the TLS certificate of 127.0.0.1:{account.Port} on the destination changed: the job trusts SHA-256 {CertificatePin.Display(Certificate.Sha256)}, "
            + $"but the server now presents {CertificatePin.Display(replaced.Sha256)}", ex.Message);
        Assert.Contains("the connection may be intercepted", ex.Message);
    }

    [Fact]
    public async Task PreflightAndSync_OverPinnedTls_CopyTheMailbox_AndPreflightShowsTheFingerprintOfAnUnpinnedSide()
    {
        var source = Account(Source, ImapSecurity.Ssl, pin: Certificate.Sha256);
        var destination = Account(Destination, ImapSecurity.None);
        await Mailbox.SeedAsync(Source, source, "INBOX", Mailbox.Message("one", MessageFlags.Seen, day: 1), Mailbox.Message("two", day: 2));
        var engine = new NativeImapSyncEngine(new NativeImapOptions());

        var preflight = await engine.PreflightAsync(source, destination);
        var statistics = await engine.SyncAsync(new SyncRequest { Source = source, Destination = destination, Kind = SyncKind.Initial }, new InMemorySyncStateStore());
        var unpinned = await engine.PreflightAsync(source with { CertificateSha256 = null }, destination);

        Assert.True(preflight.Succeeded, string.Join("; ", preflight.Failures.Select(f => f.Message)));
        Assert.Equal(2, statistics.MessagesTransferred);
        Assert.Equal(2, await Destination.CountMessagesAsync(destination.User, "INBOX"));
        var refused = Assert.Single(unpinned.Failures);
        Assert.Equal((ImapFailureKind.Tls, ImapSide.Source, Certificate.Sha256), (refused.Kind, refused.Side, refused.CertificateSha256));
    }
}
