using Ligbox.Tools.NativeImap;

namespace Ligbox.Tools.Engines;

/// <summary>The engines a job can run its passes on.</summary>
public enum EngineKind
{
    /// <summary>The built-in MailKit IMAP → IMAP engine.</summary>
    Native,

    /// <summary>The external imapsync script.</summary>
    Imapsync,

    /// <summary>Dovecot's <c>doveadm backup</c>/<c>sync</c> through imapc into the destination account.</summary>
    Doveadm,
}

/// <summary>
/// What an engine gets besides the request: which job and run a pass belongs to, where it may keep its own
/// files, and the state store of earlier passes.
/// </summary>
public sealed record EngineRunContext
{
    /// <summary>The job.</summary>
    public required Guid JobId { get; init; }

    /// <summary>The run.</summary>
    public required Guid RunId { get; init; }

    /// <summary>The run's kind in lower case (<c>preflight</c>, <c>initial</c>, <c>delta</c>, <c>final</c>).</summary>
    public required string RunKind { get; init; }

    /// <summary>
    /// A directory this run's engine may write its own logs and work files under (created by the engine
    /// when it needs it, e.g. <c>{LogRoot}/imapsync/{job}/{run}</c>); <c>null</c> for the engine's default.
    /// </summary>
    public string? LogRoot { get; init; }

    /// <summary>Where engines that keep per-mailbox state (the native engine) commit it, batch by batch.</summary>
    public ISyncStateStore? State { get; init; }
}

/// <summary>
/// One migration engine: pre-flight and sync passes of one mailbox, with the same request, progress and
/// result types whichever program does the work, so the run pipeline has no engine branches.
/// </summary>
/// <remarks>
/// <para>
/// An engine registers with DI as <c>services.AddSingleton&lt;IMigrationEngine, MyEngine&gt;()</c>;
/// <see cref="EngineRegistry"/> collects every registered <see cref="IMigrationEngine"/> and picks one by
/// <see cref="Kind"/> (one engine per kind; a second one of the same kind is an error at resolution).
/// </para>
/// <para>
/// Contract: one call handles one mailbox (the run pipeline limits how many run at once). Problems of the
/// mailbox (login, connection, quota, an external tool's exit code) are returned classified in the result,
/// not thrown. Cancellation throws <see cref="OperationCanceledException"/> within a few seconds and leaves
/// no process behind (kill the tool's whole process tree); what was committed stays consistent so the
/// next pass continues without duplicates. Progress is reported synchronously on the engine's thread;
/// <see cref="SyncProgressStage.Log"/> events are lines for the run's live log (secrets never in them),
/// other stages carry figures for the live progress.
/// </para>
/// </remarks>
public interface IMigrationEngine
{
    /// <summary>Which engine this is.</summary>
    EngineKind Kind { get; }

    /// <summary>Why this engine cannot work on this host (plain words, with what to do), or <c>null</c> when it can.</summary>
    string? UnavailableReason();

    /// <summary>
    /// Checks that the mailbox can be migrated by this engine: logins on both sides and, where the engine can
    /// tell, folders, sizes and quota. Problems are in <see cref="PreflightResult.Failures"/>, in plain words.
    /// </summary>
    /// <param name="context">The job and run.</param>
    /// <param name="request">The mailbox pair (its <see cref="SyncRequest.Kind"/> is ignored).</param>
    /// <param name="progress">Receives log lines and figures; may be <c>null</c>.</param>
    /// <param name="cancellationToken">Stops the check.</param>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    Task<PreflightResult> PreflightAsync(EngineRunContext context, SyncRequest request, IProgress<SyncProgressEvent>? progress, CancellationToken cancellationToken);

    /// <summary>Runs one pass (initial, delta or final, see <see cref="SyncRequest.Kind"/>) of one mailbox.</summary>
    /// <param name="context">The job and run.</param>
    /// <param name="request">What to sync.</param>
    /// <param name="progress">Receives log lines and figures; may be <c>null</c>.</param>
    /// <param name="cancellationToken">Stops the pass.</param>
    /// <returns>
    /// The figures when the pass completed (on a final pass <see cref="Statistics.SyncStatistics.MissingOnDestination"/>
    /// is set only when the engine verified the destination), the failure when it did not.
    /// </returns>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    Task<MailboxSyncResult> SyncAsync(EngineRunContext context, SyncRequest request, IProgress<SyncProgressEvent>? progress, CancellationToken cancellationToken);
}
