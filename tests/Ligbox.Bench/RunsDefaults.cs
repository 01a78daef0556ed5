/// <summary>The console's run defaults, as the benches measure them.</summary>
internal static class RunsDefaults
{
    /// <summary>
    /// <c>Ligbox.Core.Runs.RunsOptions.MaxConcurrentMailboxes</c>'s default; LIGBOX_BENCH_MAILBOXES_AT_ONCE overrides it
    /// for experiments.
    /// </summary>
    public static int MaxConcurrentMailboxes { get; } = Overridden ?? new Ligbox.Core.Runs.RunsOptions().MaxConcurrentMailboxes;

    /// <summary>LIGBOX_BENCH_MAILBOXES_AT_ONCE, when set to a positive number.</summary>
    public static int? Overridden =>
        int.TryParse(Environment.GetEnvironmentVariable("LIGBOX_BENCH_MAILBOXES_AT_ONCE"), out var n) && n > 0 ? n : null;
}
