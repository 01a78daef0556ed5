using Ligbox.Testing.PostgreSql;
using Ligbox.Core.Audit;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Tests.Infrastructure;
using Ligbox.Testing.Dovecot;
using Ligbox.Tools.NativeImap;

namespace Ligbox.Core.Tests.Jobs;

/// <summary>
/// A job's pinned server certificates: stored, validated, audited, and used by Test connection against a real
/// Dovecot serving TLS on a self-signed certificate the test made.
/// </summary>
public class JobCertificatePinTests : IAsyncLifetime
{
    /// <summary>Null: SQLite (the default); the <c>OnPostgreSql</c> variant runs every test again on a real PostgreSQL.</summary>
    protected virtual PostgreSqlServer? Postgres => null;

    private readonly string _certificates = Directory.CreateTempSubdirectory("lbx-pin-").FullName;
    private TestCertificate _certificate = null!;
    private DovecotServer _tls = null!;
    private readonly DovecotServer _plain = new();

    public async Task InitializeAsync()
    {
        _certificate = TestCertificate.Create(_certificates);
        _tls = new DovecotServer(new DovecotServerOptions { Tls = _certificate });
        await Task.WhenAll(_tls.StartAsync(), _plain.StartAsync());
    }

    public Task DisposeAsync()
    {
        _tls.Dispose();
        _plain.Dispose();
        Directory.Delete(_certificates, recursive: true);
        return Task.CompletedTask;
    }

    private CreateJobRequest Request(string? pin) => new()
    {
        Domain = "pinned.example",
        Source = new() { Host = _tls.Host, Port = _tls.ImapsPort, Security = ImapSecurityMode.Ssl, CertificateSha256 = pin },
        Destination = new() { Host = _plain.Host, Port = _plain.Port, Security = ImapSecurityMode.None },
    };

    [Fact]
    public async Task TestConnection_ShowsTheFingerprint_ThenLogsIn_OnceTheTechnicianPinsIt_AndThePinIsAudited()
    {
        _tls.AddUser("ana@pinned.example", "src-pw");
        _plain.AddUser("ana@pinned.example", "dst-pw");
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        await using var scope = host.Scope();
        var jobs = host.Get<JobService>(scope);
        var job = await jobs.CreateAsync(Request(null), "tech@test");
        var test = new ConnectionTestRequest { SourceUser = "ana@pinned.example", SourcePassword = "src-pw", DestUser = "ana@pinned.example", DestPassword = "dst-pw" };

        var refused = await host.Get<ConnectionTestService>(scope).TestAsync(job.Id, test);
        // The technician pastes the fingerprint as shown (colons, lower case) after the server's admin confirmed it.
        await jobs.UpdateAsync(job.Id, new UpdateJobRequest { Source = Request(refused.SourceCertificateSha256!.ToLowerInvariant()).Source }, "tech@test");
        var trusted = await host.Get<ConnectionTestService>(scope).TestAsync(job.Id, test);

        Assert.False(refused.Succeeded);
        Assert.Equal(CertificatePin.Display(_certificate.Sha256), refused.SourceCertificateSha256);
        Assert.Contains($"is not trusted: it is self-signed or issued by an authority this machine does not trust. Its SHA-256 fingerprint is {CertificatePin.Display(_certificate.Sha256)}", refused.Source);
        Assert.True(trusted.Succeeded, trusted.Source);
        Assert.Null(trusted.SourceCertificateSha256);
        Assert.Equal(CertificatePin.Display(_certificate.Sha256), (await jobs.GetAsync(job.Id)).Source!.CertificateSha256);
        var updated = Assert.Single(await host.Get<AuditLog>(scope).ListAsync(job.Id), a => a.Action == "job.updated");
        Assert.Equal($"tech@test changed the job's settings (source certificate pin (SHA-256) changed from (none) to {CertificatePin.Display(_certificate.Sha256)}).",
            AuditSentences.Describe(updated));
    }

    [Fact]
    public async Task Create_StoresThePinAndAuditsIt()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        await using var scope = host.Scope();

        var job = await host.Get<JobService>(scope).CreateAsync(Request("SHA256 Fingerprint=" + CertificatePin.Display(_certificate.Sha256)), "tech@test");

        Assert.Equal(CertificatePin.Display(_certificate.Sha256), job.Source!.CertificateSha256);
        Assert.Null(job.Destination.CertificateSha256);
        var created = Assert.Single(await host.Get<AuditLog>(scope).ListAsync(job.Id), a => a.Action == "job.created");
        Assert.Equal($"tech@test created the job for pinned.example, trusting the source server's certificate SHA-256 {CertificatePin.Display(_certificate.Sha256)}.", AuditSentences.Describe(created));
    }

    [Fact]
    public async Task Create_RefusesAPinThatIsNoFingerprint_OrOnAServerWithoutTls()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        await using var scope = host.Scope();
        var request = Request("AB:CD:EF");
        request.Destination.CertificateSha256 = _certificate.Sha256;

        var ex = await Assert.ThrowsAsync<ValidationFailedException>(() => host.Get<JobService>(scope).CreateAsync(request, "tech@test"));

        Assert.Contains("64 hex digits", Assert.Single(ex.Errors["source.certificateSha256"]));
        Assert.Contains("needs SSL/TLS or STARTTLS", Assert.Single(ex.Errors["destination.certificateSha256"]));
    }
}
