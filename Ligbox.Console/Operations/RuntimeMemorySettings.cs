namespace Ligbox.Console.Operations;

/// <summary>
/// The garbage collector's settings the console runs with, logged once at start so an operator sizing a host
/// (docs/sizing.md) sees what the process actually got: the project ships Workstation GC with a gen0 budget of at
/// most 8 MiB (Ligbox.Console.csproj), and a host's environment (<c>DOTNET_gcServer</c>, <c>DOTNET_GCgen0MaxBudget</c>)
/// can override both.
/// </summary>
internal static class RuntimeMemorySettings
{
    /// <summary>One line, e.g. "Workstation GC, concurrent, gen0 budget at most 8 MiB, conserve memory 7".</summary>
    public static string Describe()
    {
        var gc = GC.GetConfigurationVariables();
        var server = gc.TryGetValue("ServerGC", out var s) && s is true;
        var concurrent = gc.TryGetValue("ConcurrentGC", out var c) && c is true;
        var budget = gc.TryGetValue("GCGen0MaxBudget", out var b) ? Convert.ToInt64(b) : 0;
        var conserve = gc.TryGetValue("GCConserveMem", out var m) ? Convert.ToInt64(m) : 0;
        return $"{(server ? "Server" : "Workstation")} GC, {(concurrent ? "concurrent" : "not concurrent")}, "
            + (budget > 0 ? $"gen0 budget at most {budget / (1024.0 * 1024):0.#} MiB" : "gen0 budget unbounded")
            + $", conserve memory {conserve}";
    }

    public static void LogAtStart(WebApplication app) =>
        app.Lifetime.ApplicationStarted.Register(() =>
            app.Logger.LogInformation("Memory: {GarbageCollector} (docs/sizing.md)", Describe()));
}
