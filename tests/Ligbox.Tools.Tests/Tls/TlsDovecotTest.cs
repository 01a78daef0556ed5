using Ligbox.Testing.Dovecot;
using Ligbox.Tools.NativeImap;

namespace Ligbox.Tools.Tests.Tls;

/// <summary>
/// A source Dovecot serving TLS (STARTTLS on its plain port, implicit TLS on its IMAPS port) on a self-signed
/// certificate the test made, and a plain destination. Both stop after each test; so does a server started with
/// <see cref="StartWithCertificateAsync"/>.
/// </summary>
public abstract class TlsDovecotTest : IAsyncLifetime
{
    private readonly List<DovecotServer> _extra = [];

    protected TlsDovecotTest()
    {
        CertificateDirectory = Directory.CreateTempSubdirectory("lbx-tls-").FullName;
        Certificate = TestCertificate.Create(CertificateDirectory, "first");
        Source = new DovecotServer(new DovecotServerOptions { Tls = Certificate });
    }

    protected string CertificateDirectory { get; }

    /// <summary>The source server's certificate.</summary>
    protected TestCertificate Certificate { get; }

    protected DovecotServer Source { get; }

    protected DovecotServer Destination { get; } = new();

    public Task InitializeAsync() => Task.WhenAll(Source.StartAsync(), Destination.StartAsync());

    public Task DisposeAsync()
    {
        Source.Dispose();
        Destination.Dispose();
        _extra.ForEach(s => s.Dispose());
        Directory.Delete(CertificateDirectory, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Another TLS Dovecot on a new certificate: "the source after its certificate was replaced".</summary>
    protected async Task<DovecotServer> StartWithCertificateAsync(TestCertificate certificate)
    {
        var server = new DovecotServer(new DovecotServerOptions { Tls = certificate });
        _extra.Add(server);
        await server.StartAsync();
        return server;
    }

    /// <summary>A new account on <paramref name="server"/>, reached with <paramref name="security"/> on the matching port.</summary>
    protected static ImapEndpoint Account(DovecotServer server, ImapSecurity security, string user = "ana@example.com", string? pin = null)
    {
        var password = $"pw-{Guid.NewGuid():N}";
        server.AddUser(user, password);
        return new ImapEndpoint(server.Host, security == ImapSecurity.Ssl ? server.ImapsPort : server.Port, security, user, password) { CertificateSha256 = pin };
    }
}
