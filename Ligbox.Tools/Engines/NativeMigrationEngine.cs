using Ligbox.Tools.NativeImap;

namespace Ligbox.Tools.Engines;

/// <summary>
/// The native MailKit engine (<see cref="IImapSyncEngine"/>) as an <see cref="IMigrationEngine"/>. Its progress
/// figures also become readable lines (<see cref="SyncProgressStage.Log"/>) for the run's live log.
/// </summary>
public sealed class NativeMigrationEngine(IImapSyncEngine engine) : IMigrationEngine
{
    /// <inheritdoc />
    public EngineKind Kind => EngineKind.Native;

    /// <inheritdoc />
    public string? UnavailableReason() => null;

    /// <inheritdoc />
    public Task<PreflightResult> PreflightAsync(EngineRunContext context, SyncRequest request, IProgress<SyncProgressEvent>? progress, CancellationToken cancellationToken) =>
        engine.PreflightAsync(request.Source, request.Destination, request.Mapping, cancellationToken);

    /// <inheritdoc />
    public async Task<MailboxSyncResult> SyncAsync(EngineRunContext context, SyncRequest request, IProgress<SyncProgressEvent>? progress, CancellationToken cancellationToken)
    {
        var state = context.State ?? throw new ArgumentException("The native engine needs the state store of earlier passes (EngineRunContext.State).", nameof(context));
        var results = await engine.SyncManyAsync([request], 1, state, progress is null ? null : new WithLines(progress), cancellationToken);
        return results.Single();
    }

    /// <summary>The engine's figures, each followed by the same figures as a line of the run's log.</summary>
    private sealed class WithLines(IProgress<SyncProgressEvent> inner) : IProgress<SyncProgressEvent>
    {
        public void Report(SyncProgressEvent e)
        {
            inner.Report(e);
            var text = e.Stage switch
            {
                SyncProgressStage.MailboxStarted => $"Started: {e.MailboxTotal} messages in the selected folders.",
                SyncProgressStage.FolderProgress => $"{e.Folder}: {e.FolderDone}/{e.FolderTotal} ({e.MailboxDone}/{e.MailboxTotal} in the mailbox, {e.MessagesPerSecond:N0} msg/s).",
                SyncProgressStage.FolderCompleted => $"Folder {e.Folder} done: {e.FolderDone}/{e.FolderTotal}.",
                SyncProgressStage.MailboxCompleted => $"Mailbox done: {e.MailboxDone}/{e.MailboxTotal} messages, {e.BytesTransferred:N0} bytes.",
                _ => null,
            };
            if (text is not null)
            {
                inner.Report(new SyncProgressEvent { MailboxKey = e.MailboxKey, Stage = SyncProgressStage.Log, Message = text });
            }
        }
    }
}
