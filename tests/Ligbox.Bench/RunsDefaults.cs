/// <summary>The console's run defaults, as the benches measure them.</summary>
internal static class RunsDefaults
{
    /// <summary>
    /// <c>Ligbox.Core.Runs.RunsOptions.MaxConcurrentMailboxes</c>'s default; LIGBOX_BENCH_MAILBOXES_AT_ONCE overrides it
    /// for experiments.
    /// </summary>
    public static int MaxConcurrentMailboxes { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("LIGBOX_BENCH_MAILBOXES_AT_ONCE"), out var n) && n > 0
            ? n
            : new Ligbox.Core.Runs.RunsOptions().MaxConcurrentMailboxes;
}
