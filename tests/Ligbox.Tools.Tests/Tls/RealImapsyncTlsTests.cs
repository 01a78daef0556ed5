using Ligbox.Testing.Dovecot;
using Ligbox.Testing.Imapsync;
using Ligbox.Tools.Imapsync;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Processes;
using Microsoft.Extensions.Options;

namespace Ligbox.Tools.Tests.Tls;

/// <summary>
/// The real imapsync 2.229 against a real Dovecot serving TLS on its own self-signed certificate: certificates are
/// verified (imapsync's own default is not to), a pinned one is trusted by its SHA-256 fingerprint.
/// </summary>
public sealed class RealImapsyncTlsTests : TlsDovecotTest, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("lbx-imapsync-tls-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private ImapsyncRunner Runner() => new(new CliWrapProcessRunner(), Options.Create(new ImapsyncSettings
    {
        ImapsyncPath = RealImapsync.Path,
        LogDirectory = Path.Combine(_work, "logs"),
        WorkDirectory = Path.Combine(_work, "private"),
    }));

    private static ImapsyncEndpoint Side(ImapEndpoint endpoint) => new()
    {
        Host = endpoint.Host,
        Port = endpoint.Port,
        User = endpoint.User,
        Password = endpoint.Secret,
        Security = endpoint.Security switch
        {
            ImapSecurity.Ssl => ImapsyncSecurity.Ssl,
            ImapSecurity.StartTls => ImapsyncSecurity.StartTls,
            _ => ImapsyncSecurity.None,
        },
        CertificateSha256 = endpoint.CertificateSha256,
    };

    private Task<ImapsyncRunResult> LoginAsync(ImapEndpoint source) =>
        Runner().PreflightAsync(new ImapsyncOptions { Host1 = Side(source), Host2 = Side(Account(Destination, ImapSecurity.None)) });

    [Theory]
    [InlineData(ImapSecurity.Ssl)]
    [InlineData(ImapSecurity.StartTls)]
    public async Task LogsIn_WhenTheSelfSignedCertificateIsPinned(ImapSecurity security)
    {
        var result = await LoginAsync(Account(Source, security, pin: Certificate.Sha256));

        Assert.True(result.ExitCode == 0, File.ReadAllText(result.LogFilePath!));
        Assert.Null(result.CertificateRefusedOnHost);
    }

    [Theory]
    [InlineData(ImapSecurity.Ssl, 101)]
    [InlineData(ImapSecurity.StartTls, 12)]
    public async Task Refuses_WhenNothingIsPinned(ImapSecurity security, int exitCode)
    {
        var result = await LoginAsync(Account(Source, security));

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Equal(1, result.CertificateRefusedOnHost);
        Assert.Contains("certificate verify failed", File.ReadAllText(result.LogFilePath!));
    }

    [Fact]
    public async Task Refuses_WhenThePinnedCertificateWasReplaced()
    {
        var server = await StartWithCertificateAsync(TestCertificate.Create(CertificateDirectory, "replaced"));

        var result = await LoginAsync(Account(server, ImapSecurity.Ssl, pin: Certificate.Sha256));

        Assert.Equal((101, 1), (result.ExitCode, result.CertificateRefusedOnHost));
        Assert.Contains("certificate verify failed", File.ReadAllText(result.LogFilePath!));
    }
}
