using Ligbox.Core.Accounts;
using Ligbox.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Security;

public enum Right
{
    /// <summary><c>can_manage_migration</c>: jobs, mailboxes, runs, imports, schedules (token scope <c>jobs:write</c>).</summary>
    ManageMigration,

    /// <summary><c>can_approve_migration_gate</c>: approve and revoke the gate (token scope <c>gate:approve</c>).</summary>
    ApproveGate,

    /// <summary>Admin: users, API tokens, webhooks (people only, no token scope).</summary>
    Admin,
}

/// <summary>
/// Checks the current caller's rights as they are in the store NOW, not as a cookie, a token's claims or
/// an open page remember them: the account must exist, be enabled and not locked out, and hold a role
/// with the right; a token must be neither revoked nor expired and carry the scope. Every state-changing
/// Core service calls it first, so a demoted or disabled user's still-open page is refused too.
/// </summary>
public static class RightsGuard
{
    public static async Task RequireAsync(IDbContextFactory<LigboxDbContext> dbFactory, Right right, CancellationToken ct = default)
    {
        if (CallerScope.Current is not { Kind: not CallerKind.System } caller)
        {
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await RequireAsync(db, caller, right, ct);
    }

    public static async Task RequireAsync(LigboxDbContext db, Caller caller, Right right, CancellationToken ct = default)
    {
        var now = DateTime.UtcNow;
        switch (caller.Kind)
        {
            case CallerKind.System:
                return;
            case CallerKind.User:
                var user = await db.Users.AsNoTracking().Where(u => u.Id == caller.Id)
                    .Select(u => new { u.IsDisabled, u.LockoutEnd }).SingleOrDefaultAsync(ct);
                if (user is null || user.IsDisabled)
                {
                    throw new ForbiddenException("Your account is disabled, so nothing was changed. Ask an admin.");
                }

                if (user.LockoutEnd is { } end && end.UtcDateTime > now)
                {
                    throw new ForbiddenException("Your account is locked, so nothing was changed. Try again later or ask an admin.");
                }

                var roles = await (from ur in db.UserRoles
                                   join r in db.Roles on ur.RoleId equals r.Id
                                   where ur.UserId == caller.Id
                                   select r.Name).ToListAsync(ct);
                if (!RolesFor(right).Any(roles.Contains))
                {
                    throw new ForbiddenException($"You no longer have the permission {PermissionName(right)}, so nothing was changed. Reload the page to see what you may do.");
                }

                return;
            case CallerKind.Token:
                var tokenId = Guid.TryParse(caller.Id, out var id) ? id : Guid.Empty;
                var token = await db.ApiTokens.AsNoTracking().SingleOrDefaultAsync(t => t.Id == tokenId, ct);
                if (token is null || !token.IsActive(now))
                {
                    throw new ForbiddenException("The API token is revoked or expired.");
                }

                if (ScopeFor(right) is not { } scope)
                {
                    throw new ForbiddenException("API tokens cannot manage users, tokens or webhooks; an admin does that in the console.");
                }

                if (!token.ScopeList.Contains(scope))
                {
                    throw new ForbiddenException($"The API token lacks the scope {scope}.");
                }

                return;
            default:
                throw new ForbiddenException("Sign in first.");
        }
    }

    public static IReadOnlyList<string> RolesFor(Right right) => right switch
    {
        Right.ApproveGate => Permissions.ApproveRoles,
        Right.Admin => [Roles.Admin],
        _ => Permissions.ManageRoles,
    };

    public static string? ScopeFor(Right right) => right switch
    {
        Right.ApproveGate => Scopes.GateApprove,
        Right.Admin => null,
        _ => Scopes.JobsWrite,
    };

    public static string PermissionName(Right right) => right switch
    {
        Right.ApproveGate => Permissions.CanApproveMigrationGate,
        Right.Admin => Permissions.Admin,
        _ => Permissions.CanManageMigration,
    };
}
