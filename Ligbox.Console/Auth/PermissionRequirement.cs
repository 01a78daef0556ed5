using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace Ligbox.Console.Auth;

/// <summary>
/// One requirement for both kinds of caller: a signed-in person passes with one of the roles, an API
/// token passes with the scope. A null scope means tokens are not accepted at all (UI-only policies).
/// </summary>
public sealed class PermissionRequirement(IReadOnlyList<string> roles, string? scope) : IAuthorizationRequirement
{
    public IReadOnlyList<string> Roles { get; } = roles;
    public string? Scope { get; } = scope;
}

internal sealed class PermissionHandler : AuthorizationHandler<PermissionRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            return Task.CompletedTask;
        }

        if (user.HasClaim(LigboxClaims.AuthKind, LigboxClaims.TokenKind))
        {
            if (requirement.Scope is not null && user.HasClaim(LigboxClaims.Scope, requirement.Scope))
            {
                context.Succeed(requirement);
            }
        }
        else if (requirement.Roles.Any(r => user.IsInRole(r)))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

public static class LigboxClaims
{
    public const string AuthKind = "ligbox:auth";
    public const string TokenKind = "token";
    public const string Scope = "scope";

    /// <summary>The name written to the audit trail for this caller.</summary>
    public static string Actor(this ClaimsPrincipal user) => user.Identity?.Name ?? "anonymous";
}
