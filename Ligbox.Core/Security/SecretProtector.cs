using Microsoft.AspNetCore.DataProtection;

namespace Ligbox.Core.Security;

/// <summary>
/// Authenticated encryption of mailbox secrets at rest (T005), on ASP.NET Core Data Protection with
/// its key ring in the data directory's <c>keys/</c>. Losing the key ring makes stored secrets
/// unreadable, so the key directory is part of every backup.
/// </summary>
public sealed class SecretProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Ligbox.MailboxSecrets.v1");

    public string Protect(string plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        return _protector.Protect(plaintext);
    }

    public string Unprotect(string protectedValue)
    {
        try
        {
            return _protector.Unprotect(protectedValue);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new DomainException(
                "A stored mailbox password could not be decrypted. The key ring in the data directory's keys/ folder " +
                "was changed or lost; enter the mailbox passwords again. (" + ex.GetType().Name + ")");
        }
    }
}
