using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ligbox.Core.Storage;
using Microsoft.Extensions.Hosting;

namespace Ligbox.Core.Security;

/// <summary><c>Ligbox:DataProtection</c>: the certificate that encrypts the Data Protection key ring at rest.</summary>
public sealed class KeyRingOptions
{
    public const string Section = "Ligbox:DataProtection";

    /// <summary>A PFX (PKCS#12) file with an RSA key, kept OUTSIDE the data directory and its backups.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PFX's password, if it has one (from a secret or an environment variable, never appsettings.json in git).</summary>
    public string? CertificatePassword { get; set; }
}

/// <summary>
/// Loads the key-ring certificate. Without <c>Ligbox:DataProtection:CertificatePath</c>, Development (and
/// <c>dotnet run</c>) generates a self-signed one in a <c>keys/</c> directory NEXT TO the data directory (so a
/// copy of the data directory alone cannot decrypt anything) and warns; any other environment refuses to start.
/// </summary>
public static class KeyRingCertificate
{
    public const string DevelopmentFileName = "dataprotection-development.pfx";

    /// <summary>Where Development keeps its generated certificate: <c>{data directory}/../keys/</c>.</summary>
    public static string DevelopmentPath(DataDirectory dataDir) =>
        Path.Combine(Path.GetDirectoryName(dataDir.Root) ?? dataDir.Root, "keys", DevelopmentFileName);

    /// <summary>Loaded while services are registered, so a missing or wrong setting stops the start with its name.</summary>
    public static X509Certificate2 Load(KeyRingOptions o, IHostEnvironment environment, DataDirectory dataDir, Action<string> warn)
    {
        if (!string.IsNullOrWhiteSpace(o.CertificatePath))
        {
            var path = Path.GetFullPath(o.CertificatePath);
            if (path.StartsWith(dataDir.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Ligbox:DataProtection:CertificatePath ('{path}') is inside the data directory: a backup of it would carry the key that decrypts it. Keep the certificate elsewhere (a secret).");
            }

            try
            {
                return Check(X509CertificateLoader.LoadPkcs12FromFile(path, o.CertificatePassword, X509KeyStorageFlags.EphemeralKeySet), "Ligbox:DataProtection:CertificatePath");
            }
            catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"Ligbox:DataProtection:CertificatePath: cannot read the certificate '{path}' ({ex.Message}). Check the path and Ligbox:DataProtection:CertificatePassword.", ex);
            }
        }

        if (!environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                "Ligbox:DataProtection:CertificatePath is not set. Outside Development the Data Protection key ring (which protects the stored " +
                "mailbox passwords and sign-in cookies) must be encrypted with a certificate kept outside the data directory. Create one " +
                "(README, 'Key ring certificate') and pass its path in Ligbox__DataProtection__CertificatePath (and its password in " +
                "Ligbox__DataProtection__CertificatePassword).");
        }

        var devPath = DevelopmentPath(dataDir);
        warn($"Ligbox:DataProtection:CertificatePath is not set: Development encrypts the key ring with the generated certificate {devPath}. Set a real one in production.");
        if (!File.Exists(devPath))
        {
            PrivateFiles.CreateDirectory(Path.GetDirectoryName(devPath)!);
            using var rsa = RSA.Create(3072);
            var request = new CertificateRequest("CN=Ligbox Data Protection (development)", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var generated = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(20));
            var temp = devPath + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllBytes(temp, generated.Export(X509ContentType.Pfx));
            PrivateFiles.Restrict(temp);
            try
            {
                // Two consoles starting at once (tests): the first file wins, the other reads it.
                File.Move(temp, devPath, overwrite: false);
            }
            catch (IOException) when (File.Exists(devPath))
            {
                File.Delete(temp);
            }
        }

        return Check(X509CertificateLoader.LoadPkcs12FromFile(devPath, null, X509KeyStorageFlags.EphemeralKeySet), devPath);
    }

    private static X509Certificate2 Check(X509Certificate2 certificate, string setting) =>
        certificate.HasPrivateKey && certificate.GetRSAPrivateKey() is not null
            ? certificate
            : throw new InvalidOperationException($"{setting}: the certificate needs an RSA private key (a PFX made with the key, see README).");
}

/// <summary>The key ring's files on disk, made 0600 as soon as they are written (the directory is 0700).</summary>
internal sealed class PrivateKeyRepository(Microsoft.AspNetCore.DataProtection.Repositories.FileSystemXmlRepository inner, string directory)
    : Microsoft.AspNetCore.DataProtection.Repositories.IXmlRepository
{
    public IReadOnlyCollection<System.Xml.Linq.XElement> GetAllElements() => inner.GetAllElements();

    public void StoreElement(System.Xml.Linq.XElement element, string friendlyName)
    {
        inner.StoreElement(element, friendlyName);
        PrivateFiles.RestrictTree(directory);
    }
}
