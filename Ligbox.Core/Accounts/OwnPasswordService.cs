using System.Security.Claims;
using Ligbox.Core.Audit;
using Ligbox.Core.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Accounts;

/// <summary>A signed-in person changes their own password (current one required, Identity's rules), audited.</summary>
public sealed class OwnPasswordService(UserManager<AppUser> users, IDbContextFactory<LigboxDbContext> dbFactory, AuditLog audit)
{
    /// <summary>Changes the password; clears <see cref="AppUser.MustChangePassword"/>. Throws <see cref="ValidationFailedException"/> in plain words.</summary>
    public async Task<AppUser> ChangeAsync(string userId, string currentPassword, string newPassword, string confirmPassword)
    {
        var errors = new Dictionary<string, List<string>>();
        if (string.IsNullOrEmpty(currentPassword))
        {
            errors.Add("currentPassword", "Enter your current password.");
        }

        if (newPassword != confirmPassword)
        {
            errors.Add("confirmPassword", "The two new passwords differ.");
        }
        else if (!string.IsNullOrEmpty(newPassword) && newPassword == currentPassword)
        {
            errors.Add("newPassword", "Choose a password different from the current one.");
        }

        ValidationFailedException.ThrowIfAny(errors);
        var user = await users.FindByIdAsync(userId) ?? throw new NotFoundException("User", userId);
        var result = await users.ChangePasswordAsync(user, currentPassword, newPassword ?? "");
        if (!result.Succeeded)
        {
            throw new ValidationFailedException(new Dictionary<string, string[]>
            {
                [result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.PasswordMismatch)) ? "currentPassword" : "newPassword"] =
                    result.Errors.Select(e => e.Code == nameof(IdentityErrorDescriber.PasswordMismatch) ? "The current password is wrong." : e.Description).ToArray(),
            });
        }

        if (user.MustChangePassword)
        {
            user.MustChangePassword = false;
            await users.UpdateAsync(user);
        }

        await using var db = await dbFactory.CreateDbContextAsync();
        audit.Add(db, user.Email ?? user.UserName ?? userId, "user.password_changed", "user", user.Id, new { user.Email });
        await db.SaveChangesAsync();
        return user;
    }
}

/// <summary>Adds <see cref="MustChangePasswordClaim"/> to a person's sign-in when their password must be changed first.</summary>
public sealed class LigboxClaimsPrincipalFactory(UserManager<AppUser> users, RoleManager<IdentityRole> roles, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<AppUser, IdentityRole>(users, roles, options)
{
    public const string MustChangePasswordClaim = "ligbox:must_change_password";
    public const string LanguageClaim = "ligbox:language";
    public const string TimeZoneClaim = "ligbox:time_zone";

    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(AppUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        if (user.MustChangePassword)
        {
            identity.AddClaim(new Claim(MustChangePasswordClaim, "true"));
        }

        // The profile's language and time zone travel with the sign-in, so every request and circuit knows them
        // without a database read (renewed with the security stamp, and at once when the profile is saved).
        if (user.Language is not null)
        {
            identity.AddClaim(new Claim(LanguageClaim, user.Language));
        }

        if (user.TimeZoneId is not null)
        {
            identity.AddClaim(new Claim(TimeZoneClaim, user.TimeZoneId));
        }

        return identity;
    }
}
