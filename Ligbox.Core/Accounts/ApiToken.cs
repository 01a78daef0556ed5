namespace Ligbox.Core.Accounts;

/// <summary>
/// A machine client's bearer token. Only a SHA-256 hash of the secret is stored; the secret is shown
/// once when the token is created.
/// </summary>
public sealed class ApiToken
{
    private ApiToken()
    {
    }

    public ApiToken(string name, string prefix, string hash, IEnumerable<string> scopes, string createdBy, DateTime createdAtUtc, DateTime? expiresAtUtc)
    {
        var list = scopes.Distinct().ToList();
        var unknown = list.Except(Accounts.Scopes.All).ToList();
        if (unknown.Count > 0)
        {
            throw new DomainException($"Unknown scope(s): {string.Join(", ", unknown)}. Known scopes: {string.Join(", ", Accounts.Scopes.All)}.");
        }

        if (list.Count == 0)
        {
            throw new DomainException("A token needs at least one scope.");
        }

        Id = Guid.NewGuid();
        Name = name.Trim();
        Prefix = prefix;
        Hash = hash;
        Scopes = string.Join(' ', list);
        CreatedBy = createdBy;
        CreatedAtUtc = createdAtUtc;
        ExpiresAtUtc = expiresAtUtc;
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";

    /// <summary>The first characters of the token, kept to tell tokens apart in the UI.</summary>
    public string Prefix { get; private set; } = "";
    public string Hash { get; private set; } = "";
    public string Scopes { get; private set; } = "";
    public string CreatedBy { get; private set; } = "";
    public DateTime CreatedAtUtc { get; private set; }
    public DateTime? ExpiresAtUtc { get; private set; }
    public DateTime? RevokedAtUtc { get; private set; }
    public DateTime? LastUsedAtUtc { get; private set; }

    public IReadOnlyList<string> ScopeList => Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public bool IsActive(DateTime nowUtc) => RevokedAtUtc is null && (ExpiresAtUtc is null || ExpiresAtUtc > nowUtc);

    public void Revoke(DateTime nowUtc)
    {
        if (RevokedAtUtc is not null)
        {
            throw new DomainException("The token is already revoked.");
        }

        RevokedAtUtc = nowUtc;
    }

    public void MarkUsed(DateTime nowUtc) => LastUsedAtUtc = nowUtc;
}
