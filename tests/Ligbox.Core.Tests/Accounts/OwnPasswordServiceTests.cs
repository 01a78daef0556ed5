using Ligbox.Testing.PostgreSql;
using Ligbox.Core.Accounts;
using Ligbox.Core.Audit;
using Ligbox.Core.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;

namespace Ligbox.Core.Tests.Accounts;

public class OwnPasswordServiceTests
{
    /// <summary>Null: SQLite (the default); the <c>OnPostgreSql</c> variant runs every test again on a real PostgreSQL.</summary>
    protected virtual PostgreSqlServer? Postgres => null;

    [Fact]
    public async Task GeneratedFirstAdminPassword_MustBeChanged_ConfiguredOneNot()
    {
        await using (var generated = await CoreHost.StartAsync(new Dictionary<string, string?> { ["Ligbox:Admin:Password"] = "" }, postgres: Postgres))
        {
            await using var scope = generated.Scope();
            var admin = await generated.Get<UserManager<AppUser>>(scope).FindByEmailAsync("admin@test.local");
            Assert.True(admin!.MustChangePassword);
        }

        await using var configured = await CoreHost.StartAsync(postgres: Postgres);
        await using var scope2 = configured.Scope();
        var configuredAdmin = await configured.Get<UserManager<AppUser>>(scope2).FindByEmailAsync("admin@test.local");
        Assert.False(configuredAdmin!.MustChangePassword);
    }

    [Fact]
    public async Task Change_NeedsTheCurrentPassword_FollowsIdentityRules_ClearsTheMark_AndIsAudited()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        await using var scope = host.Scope();
        var users = host.Get<UserManager<AppUser>>(scope);
        var admin = await users.FindByEmailAsync("admin@test.local");
        admin!.MustChangePassword = true;
        await users.UpdateAsync(admin);
        var service = host.Get<OwnPasswordService>(scope);

        var wrong = await Assert.ThrowsAsync<ValidationFailedException>(() => service.ChangeAsync(admin.Id, "not-it", "New-Password-42!", "New-Password-42!"));
        Assert.Equal("The current password is wrong.", Assert.Single(wrong.Errors["currentPassword"]));
        var weak = await Assert.ThrowsAsync<ValidationFailedException>(() => service.ChangeAsync(admin.Id, "Admin-Password-1", "short", "short"));
        Assert.Contains(weak.Errors["newPassword"], e => e.Contains("at least 10", StringComparison.Ordinal));
        var differ = await Assert.ThrowsAsync<ValidationFailedException>(() => service.ChangeAsync(admin.Id, "Admin-Password-1", "New-Password-42!", "New-Password-43!"));
        Assert.Contains("confirmPassword", differ.Errors.Keys);

        await service.ChangeAsync(admin.Id, "Admin-Password-1", "New-Password-42!", "New-Password-42!");
        var after = await users.FindByEmailAsync("admin@test.local");
        Assert.False(after!.MustChangePassword);
        Assert.True(await users.CheckPasswordAsync(after, "New-Password-42!"));
        var entries = await host.Get<AuditLog>(scope).ListAsync(null);
        Assert.Contains(entries, e => e.Action == "user.password_changed" && e.Actor == "admin@test.local");
    }
}
