namespace Ligbox.Tools.Engines;

/// <summary>
/// Every <see cref="IMigrationEngine"/> registered with DI, picked by <see cref="IMigrationEngine.Kind"/>.
/// Register an engine with <c>services.AddSingleton&lt;IMigrationEngine, MyEngine&gt;()</c>.
/// </summary>
public sealed class EngineRegistry
{
    private readonly Dictionary<EngineKind, IMigrationEngine> _engines;

    /// <summary>Collects the engines.</summary>
    /// <exception cref="InvalidOperationException">When two engines claim the same kind.</exception>
    public EngineRegistry(IEnumerable<IMigrationEngine> engines)
    {
        _engines = [];
        foreach (var engine in engines)
        {
            if (!_engines.TryAdd(engine.Kind, engine))
            {
                throw new InvalidOperationException($"Two migration engines are registered for {engine.Kind}: {_engines[engine.Kind].GetType().Name} and {engine.GetType().Name}.");
            }
        }
    }

    /// <summary>The registered engines.</summary>
    public IReadOnlyCollection<IMigrationEngine> All => _engines.Values;

    /// <summary>Whether an engine of this kind is registered.</summary>
    public bool Has(EngineKind kind) => _engines.ContainsKey(kind);

    /// <summary>The engine of this kind.</summary>
    /// <exception cref="InvalidOperationException">When none is registered (a programming error, not a host problem).</exception>
    public IMigrationEngine Get(EngineKind kind) => _engines.TryGetValue(kind, out var engine)
        ? engine
        : throw new InvalidOperationException($"No migration engine is registered for {kind}.");

    /// <summary>
    /// Why the engine of this kind cannot work on this host, or <c>null</c> when it can
    /// (also when none is registered: then this says so).
    /// </summary>
    public string? UnavailableReason(EngineKind kind) => _engines.TryGetValue(kind, out var engine)
        ? engine.UnavailableReason()
        : $"The {kind.ToString().ToLowerInvariant()} engine is not part of this console.";
}
