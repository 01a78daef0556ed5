using Ligbox.Core.Audit;
using Ligbox.Core.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Accounts;

public sealed record UserDto(string Id, string Email, string? DisplayName, string Role, bool IsDisabled, DateTime CreatedAtUtc);

/// <summary>The admin page's user operations: create, assign role, reset password, disable.</summary>
public sealed class UserAdminService(UserManager<AppUser> users, IDbContextFactory<LigboxDbContext> dbFactory, AuditLog audit, TimeProvider clock)
{
    public async Task<IReadOnlyList<UserDto>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await (from u in db.Users
                          join ur in db.UserRoles on u.Id equals ur.UserId into urs
                          from ur in urs.DefaultIfEmpty()
                          join r in db.Roles on ur.RoleId equals r.Id into rs
                          from r in rs.DefaultIfEmpty()
                          orderby u.Email
                          select new { u.Id, u.Email, u.DisplayName, Role = r != null ? r.Name : null, u.IsDisabled, u.CreatedAtUtc })
            .AsNoTracking().ToListAsync(ct);
        return rows.GroupBy(r => r.Id)
            .Select(g => g.First())
            .Select(r => new UserDto(r.Id, r.Email ?? "", r.DisplayName, r.Role ?? "", r.IsDisabled, r.CreatedAtUtc))
            .ToList();
    }

    public async Task<UserDto> CreateAsync(string email, string? displayName, string role, string password, string actor)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.Admin); // issue 12: the caller's rights now
        CheckRole(role);
        var user = new AppUser
        {
            UserName = email.Trim(),
            Email = email.Trim(),
            EmailConfirmed = true,
            DisplayName = string.IsNullOrWhiteSpace(displayName) ? null : displayName.Trim(),
            CreatedAtUtc = clock.GetUtcNow().UtcDateTime,
        };
        Check(await users.CreateAsync(user, password), "password");
        Check(await users.AddToRoleAsync(user, role), "role");
        await AuditAsync(actor, "user.created", user.Id, new { user.Email, role });
        return new(user.Id, user.Email!, user.DisplayName, role, false, user.CreatedAtUtc);
    }

    public async Task SetRoleAsync(string userId, string role, string actor)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.Admin); // issue 12: the caller's rights now
        CheckRole(role);
        var user = await FindAsync(userId);
        var current = await users.GetRolesAsync(user);
        if (current.Contains(Roles.Admin) && role != Roles.Admin)
        {
            await EnsureAnotherActiveAdminAsync(user, "take the admin role from");
        }

        Check(await users.RemoveFromRolesAsync(user, current), "role");
        Check(await users.AddToRoleAsync(user, role), "role");
        await users.UpdateSecurityStampAsync(user);
        await AuditAsync(actor, "user.role_changed", user.Id, new { user.Email, from = current, to = role });
    }

    public async Task ResetPasswordAsync(string userId, string newPassword, string actor)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.Admin); // issue 12: the caller's rights now
        var user = await FindAsync(userId);
        var token = await users.GeneratePasswordResetTokenAsync(user);
        Check(await users.ResetPasswordAsync(user, token, newPassword), "password");
        await AuditAsync(actor, "user.password_reset", user.Id, new { user.Email });
    }

    public async Task SetDisabledAsync(string userId, bool disabled, string actor)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.Admin); // issue 12: the caller's rights now
        var user = await FindAsync(userId);
        if (disabled && (await users.GetRolesAsync(user)).Contains(Roles.Admin))
        {
            await EnsureAnotherActiveAdminAsync(user, "disable");
        }

        user.IsDisabled = disabled;
        Check(await users.UpdateAsync(user), "user");
        // A new security stamp signs the user out of open sessions at the next validation.
        await users.UpdateSecurityStampAsync(user);
        await AuditAsync(actor, disabled ? "user.disabled" : "user.enabled", user.Id, new { user.Email });
    }

    private async Task EnsureAnotherActiveAdminAsync(AppUser user, string verb)
    {
        var admins = await users.GetUsersInRoleAsync(Roles.Admin);
        if (!admins.Any(a => a.Id != user.Id && !a.IsDisabled))
        {
            throw new DomainException($"You cannot {verb} the last active admin; make another user admin first.");
        }
    }

    private async Task<AppUser> FindAsync(string id) => await users.FindByIdAsync(id) ?? throw new NotFoundException("User", id);

    private async Task AuditAsync(string actor, string action, string userId, object details)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        audit.Add(db, actor, action, "user", userId, details);
        await db.SaveChangesAsync();
    }

    private static void CheckRole(string role)
    {
        if (!Roles.All.Contains(role))
        {
            throw new ValidationFailedException(new Dictionary<string, string[]> { ["role"] = [$"Choose one of {string.Join(", ", Roles.All)}."] });
        }
    }

    private static void Check(IdentityResult result, string field)
    {
        if (!result.Succeeded)
        {
            throw new ValidationFailedException(new Dictionary<string, string[]> { [field] = result.Errors.Select(e => e.Description).ToArray() });
        }
    }
}
