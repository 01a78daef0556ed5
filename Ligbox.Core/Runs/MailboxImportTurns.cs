using System.Collections.Concurrent;

namespace Ligbox.Core.Runs;

/// <summary>
/// Imports into one mailbox (PST, mbox, Zimbra TGZ) run one after the other, whatever their kind: two at
/// once would both find a message missing and both append it (the identity check reads the destination
/// before appending). One singleton shared by the import handlers.
/// </summary>
public sealed class MailboxImportTurns
{
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _turns = new();

    /// <summary>Waits for the mailbox's turn (telling <paramref name="waiting"/> when it has to wait); dispose the result to give it back.</summary>
    public async Task<IDisposable> WaitAsync(Guid mailboxId, Action waiting, CancellationToken cancellationToken)
    {
        var turn = _turns.GetOrAdd(mailboxId, _ => new SemaphoreSlim(1, 1));
        if (!await turn.WaitAsync(0, cancellationToken))
        {
            waiting();
            await turn.WaitAsync(cancellationToken);
        }

        return new Turn(turn);
    }

    private sealed class Turn(SemaphoreSlim turn) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                turn.Release();
            }
        }
    }
}
