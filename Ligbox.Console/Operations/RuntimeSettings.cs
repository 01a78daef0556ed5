namespace Ligbox.Console.Operations;

/// <summary>
/// The runtime settings the console runs with, logged once at start so an operator sizing a host (docs/sizing.md)
/// sees what the process actually got. The project ships (Ligbox.Console.csproj) Workstation GC with a gen0 budget
/// of at most 8 MiB, and thread-pool workers that do not spin before they sleep; its Dockerfile and launch profile set
/// <c>MALLOC_ARENA_MAX=2</c> (glibc's arenas, read from the environment only). A host's environment
/// (<c>DOTNET_gcServer</c>, <c>DOTNET_GCGen0MaxBudget</c>, <c>DOTNET_ThreadPool_UnfairSemaphoreSpinLimit</c>,
/// <c>MALLOC_ARENA_MAX</c>) can override them.
/// </summary>
internal static class RuntimeSettings
{
    private const string SpinLimitSetting = "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit";

    /// <summary>
    /// One line, e.g. "Workstation GC, concurrent, gen0 budget at most 8 MiB, conserve memory 7; thread-pool spin
    /// limit 0; malloc arenas at most 2".
    /// </summary>
    public static string Describe()
    {
        var gc = GC.GetConfigurationVariables();
        var server = gc.TryGetValue("ServerGC", out var s) && s is true;
        var concurrent = gc.TryGetValue("ConcurrentGC", out var c) && c is true;
        var budget = gc.TryGetValue("GCGen0MaxBudget", out var b) ? Convert.ToInt64(b) : 0;
        var conserve = gc.TryGetValue("GCConserveMem", out var m) ? Convert.ToInt64(m) : 0;
        // The environment wins over runtimeconfig.json, as the thread pool reads them.
        var spin = Environment.GetEnvironmentVariable("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit")
            ?? AppContext.GetData(SpinLimitSetting)?.ToString()
            ?? "70 (the runtime's default)";
        return $"{(server ? "Server" : "Workstation")} GC, {(concurrent ? "concurrent" : "not concurrent")}, "
            + (budget > 0 ? $"gen0 budget at most {budget / (1024.0 * 1024):0.#} MiB" : "gen0 budget unbounded")
            + $", conserve memory {conserve}; thread-pool spin limit {spin}; malloc arenas {Arenas()}";
    }

    // glibc reads its arena limit from the environment only, before the runtime starts (Dockerfile, launchSettings.json).
    private static string Arenas()
    {
        if (Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is { Length: > 0 } max)
        {
            return $"at most {max}";
        }

        var tunables = Environment.GetEnvironmentVariable("GLIBC_TUNABLES");
        return tunables?.Contains("arena_max", StringComparison.Ordinal) == true
            ? $"as GLIBC_TUNABLES sets ({tunables})"
            : "unlimited by the console (glibc: up to 8 per core; set MALLOC_ARENA_MAX=2, docs/sizing.md)";
    }

    public static void LogAtStart(WebApplication app) =>
        app.Lifetime.ApplicationStarted.Register(() =>
            app.Logger.LogInformation("Runtime: {RuntimeSettings} (docs/sizing.md)", Describe()));
}
