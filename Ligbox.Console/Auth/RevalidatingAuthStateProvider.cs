using System.Security.Claims;
using Ligbox.Core.Accounts;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Ligbox.Console.Auth;

/// <summary>
/// An open page re-reads its user from the store every <see cref="Security.WebSecurityOptions.RevalidationInterval"/>:
/// a disabled, locked-out, deleted or re-roled account (its security stamp changes with every such change),
/// or roles that differ from the cookie's, ends the page's signed-in state, and the page shows the sign-in
/// prompt. Core re-checks on every action anyway (<see cref="Core.Security.RightsGuard"/>); this makes the
/// page itself follow.
/// </summary>
internal sealed class RevalidatingAuthStateProvider(ILoggerFactory loggerFactory, IServiceScopeFactory scopes, IOptions<Security.WebSecurityOptions> options)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => options.Value.RevalidationInterval;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        return await IsStillValidAsync(users, scope.ServiceProvider.GetRequiredService<IOptions<IdentityOptions>>().Value, authenticationState.User);
    }

    public static async Task<bool> IsStillValidAsync(UserManager<AppUser> users, IdentityOptions identity, ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true)
        {
            return true;
        }

        if (users.GetUserId(principal) is not { } id || await users.FindByIdAsync(id) is not { } user)
        {
            return false;
        }

        if (user.IsDisabled || await users.IsLockedOutAsync(user))
        {
            return false;
        }

        if (users.SupportsUserSecurityStamp
            && principal.FindFirstValue(identity.ClaimsIdentity.SecurityStampClaimType) is { } stamp
            && stamp != await users.GetSecurityStampAsync(user))
        {
            return false;
        }

        var roles = (await users.GetRolesAsync(user)).Order(StringComparer.Ordinal);
        var claimed = principal.FindAll(identity.ClaimsIdentity.RoleClaimType).Select(c => c.Value).Order(StringComparer.Ordinal);
        return roles.SequenceEqual(claimed);
    }
}
