using Ligbox.Testing.PostgreSql;
using Ligbox.Core.Accounts;
using Ligbox.Core.Persistence;
using Ligbox.Core.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Tests.Accounts;

public class ApiTokenServiceTests
{
    /// <summary>Null: SQLite (the default); the <c>OnPostgreSql</c> variant runs every test again on a real PostgreSQL.</summary>
    protected virtual PostgreSqlServer? Postgres => null;

    [Fact]
    public async Task Token_IsStoredHashed_AndValidatesUntilRevoked()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        await using var scope = host.Scope();
        var service = host.Get<ApiTokenService>(scope);
        var created = await service.CreateAsync("dns wizard", [Scopes.GateRead], null, "admin");
        Assert.StartsWith("lgbx_", created.Secret);

        var db = host.Get<LigboxDbContext>(scope);
        var stored = await db.ApiTokens.AsNoTracking().SingleAsync();
        Assert.NotEqual(created.Secret, stored.Hash);
        Assert.DoesNotContain(created.Secret, stored.Hash + stored.Prefix + stored.Name);

        var identity = await service.ValidateAsync(created.Secret);
        Assert.Equal([Scopes.GateRead], identity!.Scopes);
        Assert.Null(await service.ValidateAsync(created.Secret + "x"));

        await service.RevokeAsync(created.Token.Id, "admin");
        Assert.Null(await service.ValidateAsync(created.Secret));
    }

    [Fact]
    public async Task BootstrapToken_FromConfiguration_HasEveryScope()
    {
        const string secret = "lgbx_bootstrap-secret-for-tests-0123456789";
        await using var host = await CoreHost.StartAsync(new Dictionary<string, string?> { ["Ligbox:Bootstrap:ApiToken"] = secret }, postgres: Postgres);
        await using var scope = host.Scope();
        var identity = await host.Get<ApiTokenService>(scope).ValidateAsync(secret);
        Assert.NotNull(identity);
        Assert.Equal(Scopes.All.Order(), identity.Scopes.Order());
    }

    [Fact]
    public async Task Create_Refuses_UnknownScopeAndPastExpiry()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        await using var scope = host.Scope();
        var service = host.Get<ApiTokenService>(scope);
        await Assert.ThrowsAsync<DomainException>(() => service.CreateAsync("x", ["jobs:delete"], null, "admin"));
        await Assert.ThrowsAsync<ValidationFailedException>(() => service.CreateAsync("x", [Scopes.JobsRead], DateTime.UtcNow.AddDays(-1), "admin"));
    }
}
