using Ligbox.Core.Audit;
using Ligbox.Core.Persistence;
using Ligbox.Core.Security;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Accounts;

public sealed record ApiTokenDto(Guid Id, string Name, string Prefix, IReadOnlyList<string> Scopes, string CreatedBy, DateTime CreatedAtUtc,
    DateTime? ExpiresAtUtc, DateTime? RevokedAtUtc, DateTime? LastUsedAtUtc, bool Active);

/// <summary>A token just created: the only time its secret is ever available.</summary>
public sealed record CreatedApiToken(ApiTokenDto Token, string Secret);

/// <summary>What a valid bearer token grants.</summary>
public sealed record ApiTokenIdentity(Guid Id, string Name, IReadOnlyList<string> Scopes);

public sealed class ApiTokenService(IDbContextFactory<LigboxDbContext> dbFactory, AuditLog audit, TimeProvider clock)
{
    public async Task<CreatedApiToken> CreateAsync(string name, IEnumerable<string> scopes, DateTime? expiresAtUtc, string actor, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.Admin, ct); // issue 12: the caller's rights now
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ValidationFailedException(new Dictionary<string, string[]> { ["name"] = ["Give the token a name that says who uses it."] });
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (expiresAtUtc is { } exp && exp <= now)
        {
            throw new ValidationFailedException(new Dictionary<string, string[]> { ["expiresAt"] = ["The expiry must be in the future."] });
        }

        var secret = TokenHasher.NewToken();
        var token = new ApiToken(name, TokenHasher.DisplayPrefix(secret), TokenHasher.Hash(secret), scopes, actor, now, expiresAtUtc);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.ApiTokens.Add(token);
        audit.Add(db, actor, "token.created", "api_token", token.Id, new { token.Name, token.Scopes, token.ExpiresAtUtc });
        await db.SaveChangesAsync(ct);
        return new(ToDto(token, now), secret);
    }

    /// <summary>Stores a token whose secret came from configuration (provisioning), unless it is already stored.</summary>
    public async Task EnsureBootstrapTokenAsync(string secret, CancellationToken ct = default)
    {
        var hash = TokenHasher.Hash(secret);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.ApiTokens.AnyAsync(t => t.Hash == hash, ct))
        {
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var token = new ApiToken("bootstrap (configuration)", TokenHasher.DisplayPrefix(secret), hash, Scopes.All, "system", now, null);
        db.ApiTokens.Add(token);
        audit.Add(db, "system", "token.bootstrapped", "api_token", token.Id, new { token.Scopes });
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<ApiTokenDto>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var tokens = await db.ApiTokens.AsNoTracking().OrderByDescending(t => t.CreatedAtUtc).ToListAsync(ct);
        return tokens.Select(t => ToDto(t, now)).ToList();
    }

    public async Task RevokeAsync(Guid id, string actor, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.Admin, ct); // issue 12: the caller's rights now
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == id, ct) ?? throw new NotFoundException("API token", id);
        token.Revoke(clock.GetUtcNow().UtcDateTime);
        audit.Add(db, actor, "token.revoked", "api_token", token.Id, new { token.Name });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Checks a bearer secret; null when unknown, revoked or expired.</summary>
    public async Task<ApiTokenIdentity?> ValidateAsync(string secret, CancellationToken ct = default)
    {
        if (!secret.StartsWith(TokenHasher.TokenPrefix, StringComparison.Ordinal) || secret.Length > 200)
        {
            return null;
        }

        var hash = TokenHasher.Hash(secret);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Hash == hash, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        if (token is null || !token.IsActive(now))
        {
            return null;
        }

        // Written at most once a minute so a busy client does not turn every read into a write.
        if (token.LastUsedAtUtc is null || now - token.LastUsedAtUtc > TimeSpan.FromMinutes(1))
        {
            token.MarkUsed(now);
            await db.SaveChangesAsync(ct);
        }

        return new(token.Id, token.Name, token.ScopeList);
    }

    private static ApiTokenDto ToDto(ApiToken t, DateTime now) => new(t.Id, t.Name, t.Prefix, t.ScopeList, t.CreatedBy, t.CreatedAtUtc,
        t.ExpiresAtUtc, t.RevokedAtUtc, t.LastUsedAtUtc, t.IsActive(now));
}
