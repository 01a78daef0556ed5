namespace Ligbox.Core.Security;

public enum CallerKind
{
    /// <summary>The console itself (scheduler, recovery, run executor): no person's rights apply.</summary>
    System,
    User,
    Token,
    Anonymous,
}

/// <summary>Who asked for an operation: a person (Identity user id), an API token (its id) or the console itself.</summary>
public sealed record Caller(CallerKind Kind, string Id, string Name)
{
    public static readonly Caller Anonymous = new(CallerKind.Anonymous, "", "anonymous");

    public static Caller System(string name) => new(CallerKind.System, name, name);
}

/// <summary>
/// The caller of the code running now, flowing with the async context (like <c>IHttpContextAccessor</c>).
/// The console sets it for every HTTP request (after authentication) and for every inbound activity of a
/// Blazor circuit (a click, a JS call), so a service reached from any page or endpoint knows who asked
/// and <see cref="RightsGuard"/> can check that person's rights as they are in the store now.
/// Code that runs for the console itself (scheduler, recovery) marks itself with <see cref="BeginSystem"/>.
/// No caller at all means an in-process call that no request started (tests, tools): it is not checked.
/// </summary>
public static class CallerScope
{
    private static readonly AsyncLocal<Caller?> CurrentCaller = new();

    public static Caller? Current => CurrentCaller.Value;

    /// <summary>Sets the caller for the rest of the calling async method and what it awaits.</summary>
    public static void Set(Caller caller) => CurrentCaller.Value = caller;

    /// <summary>Sets the caller until the returned scope is disposed.</summary>
    public static IDisposable Begin(Caller caller)
    {
        var previous = CurrentCaller.Value;
        CurrentCaller.Value = caller;
        return new Restore(previous);
    }

    public static IDisposable BeginSystem(string name) => Begin(Caller.System(name));

    private sealed class Restore(Caller? previous) : IDisposable
    {
        public void Dispose() => CurrentCaller.Value = previous;
    }
}
