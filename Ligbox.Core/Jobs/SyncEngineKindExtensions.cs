using Ligbox.Tools.Engines;

namespace Ligbox.Core.Jobs;

/// <summary>The job's engine choice as the engine registry's kind.</summary>
public static class SyncEngineKindExtensions
{
    /// <summary>
    /// The <see cref="EngineKind"/> of the same name: a value added to <see cref="SyncEngineKind"/> needs only an
    /// <see cref="EngineKind"/> of the same name and a registered <see cref="IMigrationEngine"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">When Tools has no engine kind of that name.</exception>
    public static EngineKind ToEngineKind(this SyncEngineKind kind) => Enum.TryParse<EngineKind>(kind.ToString(), out var engine)
        ? engine
        : throw new InvalidOperationException($"The job engine {kind} has no migration engine kind.");
}
