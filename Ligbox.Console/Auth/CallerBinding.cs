using System.Security.Claims;
using Ligbox.Core.Security;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Ligbox.Console.Auth;

/// <summary>
/// Tells Core who is calling (<see cref="CallerScope"/>), so <see cref="RightsGuard"/> can check that
/// caller's current rights in the store: per HTTP request from the authenticated principal, and per
/// inbound activity of a Blazor circuit (every click and JS call) from the circuit's authentication state.
/// </summary>
internal static class CallerBinding
{
    public static Caller From(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true || user.FindFirstValue(ClaimTypes.NameIdentifier) is not { Length: > 0 } id)
        {
            return Caller.Anonymous;
        }

        var name = user.Actor();
        return user.HasClaim(LigboxClaims.AuthKind, LigboxClaims.TokenKind) && id.StartsWith("token:", StringComparison.Ordinal)
            ? new Caller(CallerKind.Token, id["token:".Length..], name)
            : new Caller(CallerKind.User, id, name);
    }

    /// <summary>After authentication: every request runs with its caller set.</summary>
    public static IApplicationBuilder UseCallerScope(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        CallerScope.Set(From(context.User));
        await next(context);
    });
}

/// <summary>Sets the caller for each inbound activity of a circuit (the docs' pattern for circuit-scoped context).</summary>
internal sealed class CallerCircuitHandler(AuthenticationStateProvider authState) : CircuitHandler
{
    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        async context =>
        {
            Caller caller;
            try
            {
                caller = CallerBinding.From((await authState.GetAuthenticationStateAsync()).User);
            }
            catch (InvalidOperationException)
            {
                // The state is not set yet (the circuit is still starting): nobody may act as anybody.
                caller = Caller.Anonymous;
            }

            CallerScope.Set(caller);
            await next(context);
        };
}
