using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Ligbox.Testing.Dovecot;

/// <summary>
/// A self-signed server certificate made by the test (ECDSA P-256, for <c>localhost</c> and 127.0.0.1), written as
/// PEM files Dovecot can load; no authority on this machine trusts it, like an old server's own certificate.
/// </summary>
/// <param name="CertificatePath">The certificate, PEM.</param>
/// <param name="KeyPath">Its private key, PKCS#8 PEM.</param>
/// <param name="Sha256">The SHA-256 fingerprint of the certificate, 64 upper-case hex digits.</param>
public sealed record TestCertificate(string CertificatePath, string KeyPath, string Sha256)
{
    /// <summary>Creates a new certificate (a new key each time, so two never share a fingerprint) in <paramref name="directory"/>.</summary>
    public static TestCertificate Create(string directory, string name = "server")
    {
        Directory.CreateDirectory(directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=localhost, O=Ligbox test {name}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
        var certificatePath = Path.Combine(directory, name + ".crt");
        var keyPath = Path.Combine(directory, name + ".key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return new TestCertificate(certificatePath, keyPath, Convert.ToHexString(SHA256.HashData(certificate.RawData)));
    }
}
