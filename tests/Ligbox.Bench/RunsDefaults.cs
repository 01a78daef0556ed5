/// <summary>The console's run defaults, as the benches measure them.</summary>
internal static class RunsDefaults
{
    /// <summary><c>Ligbox.Core.Runs.RunsOptions.MaxConcurrentMailboxes</c>'s default.</summary>
    public static int MaxConcurrentMailboxes { get; } = new Ligbox.Core.Runs.RunsOptions().MaxConcurrentMailboxes;
}
