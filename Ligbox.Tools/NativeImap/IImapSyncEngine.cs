using Ligbox.Tools.Statistics;

namespace Ligbox.Tools.NativeImap;

/// <summary>The native MailKit IMAP → IMAP migration engine.</summary>
public interface IImapSyncEngine
{
    /// <summary>
    /// Connects and logs in to both servers, reads their capabilities, the source folders (counts and sizes)
    /// and the destination quota. Problems are returned classified, not thrown.
    /// </summary>
    /// <param name="source">The source account.</param>
    /// <param name="destination">The destination account.</param>
    /// <param name="mapping">Folder selection (sizes are summed over the selected folders); <c>null</c> for all.</param>
    /// <param name="cancellationToken">Cancels the pre-flight.</param>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    Task<PreflightResult> PreflightAsync(ImapEndpoint source, ImapEndpoint destination, FolderMappingOptions? mapping = null, CancellationToken cancellationToken = default);

    /// <summary>A dry run: which source folder goes to which destination folder, with counts. Writes nothing.</summary>
    /// <param name="request">The pass to plan.</param>
    /// <param name="state">State of earlier passes (to estimate what is left).</param>
    /// <param name="cancellationToken">Cancels the plan.</param>
    /// <exception cref="ImapSyncException">When a server cannot be reached or logged in to.</exception>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    Task<SyncPlan> PlanAsync(SyncRequest request, ISyncStateStore state, CancellationToken cancellationToken = default);

    /// <summary>Runs one pass of one mailbox.</summary>
    /// <param name="request">What to sync.</param>
    /// <param name="state">Where progress is committed, batch by batch.</param>
    /// <param name="progress">Receives progress events and log lines; may be <c>null</c>.</param>
    /// <param name="cancellationToken">Stops the pass; committed batches stay committed and the next pass resumes.</param>
    /// <returns>The figures of the pass (<c>Engine = "native"</c>).</returns>
    /// <exception cref="ImapSyncException">When the mailbox cannot be synced (login, connection, too many errors).</exception>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    Task<SyncStatistics> SyncAsync(SyncRequest request, ISyncStateStore state, IProgress<SyncProgressEvent>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Runs passes of several mailboxes, at most <paramref name="maxDegreeOfParallelism"/> at once.</summary>
    /// <param name="requests">The mailboxes.</param>
    /// <param name="maxDegreeOfParallelism">Mailboxes synced at the same time.</param>
    /// <param name="state">Shared state store.</param>
    /// <param name="progress">Receives every mailbox's events; may be <c>null</c>.</param>
    /// <param name="cancellationToken">Stops every pass.</param>
    /// <returns>One result per request, in request order; a failed mailbox does not stop the others.</returns>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    Task<IReadOnlyList<MailboxSyncResult>> SyncManyAsync(IReadOnlyList<SyncRequest> requests, int maxDegreeOfParallelism, ISyncStateStore state, IProgress<SyncProgressEvent>? progress = null, CancellationToken cancellationToken = default);
}
