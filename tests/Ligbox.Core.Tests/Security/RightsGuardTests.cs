using Ligbox.Testing.PostgreSql;
using Ligbox.Core.Accounts;
using Ligbox.Core.Jobs;
using Ligbox.Core.Security;
using Ligbox.Core.Tests.Infrastructure;

namespace Ligbox.Core.Tests.Security;

/// <summary>Core services check the caller's rights as they are in the store now (issue 12).</summary>
public class RightsGuardTests
{
    /// <summary>Null: SQLite (the default); the <c>OnPostgreSql</c> variant runs every test again on a real PostgreSQL.</summary>
    protected virtual PostgreSqlServer? Postgres => null;

    private static CreateJobRequest Request(string domain) => new()
    {
        Domain = domain,
        Source = new() { Host = "imap.old-host.com", Port = 993 },
        Destination = new() { Host = "mail.ligbox.net", Port = 993 },
    };

    [Fact]
    public async Task CreateJob_FollowsTheCallersCurrentRoleEnabledStateAndTokenScopes()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        await using var scope = host.Scope();
        var admin = host.Get<UserAdminService>(scope);
        var jobs = host.Get<JobService>(scope);
        var tech = await admin.CreateAsync("tech.guard@test.local", null, Roles.Technician, "Tech-Passw0rd!", "admin@test.local");
        var stranger = new Caller(CallerKind.User, Guid.NewGuid().ToString(), "ghost@test.local");

        using (CallerScope.Begin(new Caller(CallerKind.User, tech.Id, tech.Email)))
        {
            await jobs.CreateAsync(Request("guard-ok.example"), tech.Email);
            // The technician may not disable anyone, not even themself; the admin (no caller: in-process) may.
            await Assert.ThrowsAsync<ForbiddenException>(() => admin.SetDisabledAsync(tech.Id, true, tech.Email));
            using (CallerScope.BeginSystem("test admin"))
            {
                await admin.SetDisabledAsync(tech.Id, true, "admin@test.local");
            }

            var refused = await Assert.ThrowsAsync<ForbiddenException>(() => jobs.CreateAsync(Request("guard-disabled.example"), tech.Email));
            Assert.Contains("disabled", refused.Message, StringComparison.Ordinal);
        }

        using (CallerScope.Begin(stranger))
        {
            await Assert.ThrowsAsync<ForbiddenException>(() => jobs.CreateAsync(Request("guard-ghost.example"), stranger.Name));
        }

        using (CallerScope.Begin(Caller.Anonymous))
        {
            await Assert.ThrowsAsync<ForbiddenException>(() => jobs.CreateAsync(Request("guard-anon.example"), "anonymous"));
        }

        var tokens = host.Get<ApiTokenService>(scope);
        var readOnly = await tokens.CreateAsync("read only", [Scopes.JobsRead], null, "admin@test.local");
        using (CallerScope.Begin(new Caller(CallerKind.Token, readOnly.Token.Id.ToString(), "token:read only")))
        {
            var refused = await Assert.ThrowsAsync<ForbiddenException>(() => jobs.CreateAsync(Request("guard-token.example"), "token:read only"));
            Assert.Contains(Scopes.JobsWrite, refused.Message, StringComparison.Ordinal);
        }

        var writer = await tokens.CreateAsync("writer", [Scopes.JobsWrite], null, "admin@test.local");
        using (CallerScope.Begin(new Caller(CallerKind.Token, writer.Token.Id.ToString(), "token:writer")))
        {
            await jobs.CreateAsync(Request("guard-token-ok.example"), "token:writer");
            var noAdmin = await Assert.ThrowsAsync<ForbiddenException>(() => tokens.RevokeAsync(writer.Token.Id, "token:writer"));
            Assert.Contains("API tokens cannot manage", noAdmin.Message, StringComparison.Ordinal);
            using (CallerScope.BeginSystem("test admin"))
            {
                await tokens.RevokeAsync(writer.Token.Id, "admin@test.local");
            }

            await Assert.ThrowsAsync<ForbiddenException>(() => jobs.CreateAsync(Request("guard-token-revoked.example"), "token:writer"));
        }

        using (CallerScope.BeginSystem("scheduler"))
        {
            await jobs.CreateAsync(Request("guard-system.example"), "scheduler");
        }
    }

    [Fact]
    public async Task GateRight_NeedsAnOpsLeadOrAdminRoleNow()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        await using var scope = host.Scope();
        var admin = host.Get<UserAdminService>(scope);
        var lead = await admin.CreateAsync("lead.guard@test.local", null, Roles.OpsLead, "Lead-Passw0rd!", "admin@test.local");
        var caller = new Caller(CallerKind.User, lead.Id, lead.Email);
        var db = await host.Get<Microsoft.EntityFrameworkCore.IDbContextFactory<Persistence.LigboxDbContext>>(scope).CreateDbContextAsync();
        await using (db)
        {
            await RightsGuard.RequireAsync(db, caller, Right.ApproveGate);
            await RightsGuard.RequireAsync(db, caller, Right.ManageMigration);
            await admin.SetRoleAsync(lead.Id, Roles.Technician, "admin@test.local");
            var refused = await Assert.ThrowsAsync<ForbiddenException>(() => RightsGuard.RequireAsync(db, caller, Right.ApproveGate));
            Assert.Contains(Permissions.CanApproveMigrationGate, refused.Message, StringComparison.Ordinal);
            await RightsGuard.RequireAsync(db, caller, Right.ManageMigration);
        }
    }
}
