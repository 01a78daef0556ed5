using System.Threading.Channels;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;

namespace Ligbox.Tools.NativeImap;

internal sealed partial class MailboxSyncRun
{
    /// <summary>
    /// Whether a lane reads its next folder ahead: an initial pass, whose folders' passes read nothing more from the
    /// source once their last batch is read (no date window, no verify, no mirror).
    /// </summary>
    private bool CanReadAhead => _request.Kind == SyncKind.Initial && _request.NotBefore is null && !Verify && !Mirror;

    /// <summary>
    /// Called when a folder's reader has read its last batch: the lane's source connection has nothing left to do for
    /// that folder while its destination connection appends the last batches. The lane takes its next folder now and
    /// reads it on the source (SELECT, SEARCH, the headers of the first chunk and the bodies of the first batch), so
    /// that folder's first APPEND starts as soon as the folder before is done. Without this the destination waited
    /// for those round trips at every folder.
    /// </summary>
    private void ReadAhead(Lane lane, CancellationToken ct)
    {
        if (!CanReadAhead || lane.Next is not null || lane.Source is not { } connection || ct.IsCancellationRequested)
        {
            return;
        }

        if (TakeFolderNow(out _) is not { } taken)
        {
            return;
        }

        var next = new ReadAheadFolder(taken, connection, CancellationTokenSource.CreateLinkedTokenSource(ct));
        next.Reader = ReadAheadAsync(next);
        lane.Next = next;
    }

    /// <summary>A folder pass's reader, then the lane's next folder read ahead once it has read everything.</summary>
    private async Task<bool> ReadThenReadAheadAsync(Task<bool> reading, Lane lane, CancellationToken ct)
    {
        var done = await reading;
        if (done)
        {
            ReadAhead(lane, ct);
        }

        return done;
    }

    private async Task<bool> ReadAheadAsync(ReadAheadFolder next)
    {
        var ct = next.Stop.Token;
        ImapFolder src;
        List<UniqueId> candidates;
        try
        {
            src = (ImapFolder)await next.Connection.Client.GetFolderAsync(next.Item.Run.Mapping.Source, ct);
            await src.OpenAsync(FolderAccess.ReadOnly, ct);
            candidates = [.. (await src.SearchAsync(SearchQuery.All, ct)).OrderBy(u => u.Id)];
        }
        catch (Exception ex)
        {
            next.Selected.TrySetException(ex);
            next.Units.Writer.TryComplete(ex);
            return false;
        }

        next.Selected.TrySetResult((src, candidates));
        if (next.Units.Reader.Completion.IsCompleted)
        {
            // Dropped meanwhile.
            return false;
        }

        // Everything is a candidate and nothing is matched: the folder's pass uses this only for an empty destination
        // folder without a checkpoint, where it would do the same.
        return await ProduceUnitsAsync(src, candidates, index: null, copiedBefore: [], next.Units.Writer, ct, readAhead: true);
    }

    /// <summary>
    /// Gives up what was read ahead (the folder's pass reads it again its own way). The reader is stopped by closing its
    /// channel, not by cancelling it: MailKit drops a connection whose command is cancelled in flight, and the reader is
    /// at most finishing one. The bodies it read are given back.
    /// </summary>
    private static async Task DropAsync(ReadAheadFolder ahead)
    {
        ahead.Units.Writer.TryComplete();
        await ((Task)ahead.Reader).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        while (ahead.Units.Reader.TryRead(out var unit))
        {
            unit.Dispose();
        }

        ahead.Stop.Dispose();
    }

    /// <summary>
    /// A delta or final pass: the first folder lane 0 will find changed (the folders are taken biggest first) is opened
    /// on the source (EXAMINE) as soon as the source has listed its folders. Before, its EXAMINE waited for the
    /// destination's LIST-STATUS as well; on a big maildir each server re-reads its directory to answer these, so the two
    /// now overlap (docs/performance.md, session 23: row 2's 100 + 500 delta). A folder is changed when its counters
    /// differ from its checkpoint's or it has none; only the first <see cref="OpenAheadLookups"/> folders are looked at.
    /// Completes as soon as the folder is chosen (null for none), before its EXAMINE is answered. Never throws: the
    /// folder's pass opens it again, and reports what went wrong, when this did not work.
    /// </summary>
    private async Task<OpenedAhead?> OpenAheadAsync(Lane lane, Task<Dictionary<string, FolderInfo>> sourceList, CancellationToken ct)
    {
        try
        {
            var folders = await sourceList;
            if (lane.Source is not { } connection)
            {
                return null;
            }

            foreach (var info in BiggestFirst(folders.Values.Where(f => f.Selectable), f => f).Take(OpenAheadLookups))
            {
                var cp = await _store.GetCheckpointAsync(_key, info.FullName, ct);
                if (cp is not null && SourceUnchanged(cp, info, ModSeqOf(connection, info)))
                {
                    // Its pass opens nothing (unless it has to for the destination's sake).
                    continue;
                }

                var folder = await connection.Client.GetFolderAsync(info.FullName, ct);
                return new OpenedAhead(connection, folder, ExamineAsync(folder, ct));
            }
        }
        catch (Exception ex)
        {
            Log(Microsoft.Extensions.Logging.LogLevel.Debug, $"source folder not opened ahead: {ex.Message}");
        }

        return null;
    }

    /// <summary>The folder opened ahead's EXAMINE: whether it worked (never throws).</summary>
    private async Task<bool> ExamineAsync(IMailFolder folder, CancellationToken ct)
    {
        try
        {
            await folder.OpenAsync(FolderAccess.ReadOnly, ct);
            return true;
        }
        catch (Exception ex)
        {
            Log(Microsoft.Extensions.Logging.LogLevel.Debug, $"source folder {folder.FullName} not opened ahead: {ex.Message}");
            return false;
        }
    }

    /// <summary>How many folders <see cref="OpenAheadAsync"/> reads the checkpoint of, at most, to find a changed one.</summary>
    private const int OpenAheadLookups = 20;

    /// <summary>
    /// For lane 0's folder passes: the folder opened ahead, when it is this pass's source folder (the pass selects the
    /// destination folder while its EXAMINE is answered). For another folder (lane 0 passes over the unchanged folders
    /// before it) this waits for that EXAMINE, since the connection takes one command at a time, and keeps it for its
    /// folder.
    /// </summary>
    private async Task<OpenedAhead?> OpenedAheadForAsync(string sourceFolder)
    {
        if (_openedAhead is not { } ahead || ahead.Lane != CurrentLane)
        {
            return null;
        }

        var chosen = await ahead.Choosing;
        if (chosen is null || chosen.Folder.FullName == sourceFolder)
        {
            _openedAhead = null;
            return chosen;
        }

        await chosen.Examine;
        return null;
    }

    /// <summary>Waits for the folder opened ahead; opens it now if that did not work or it is no longer the one open.</summary>
    private async Task OpenedOrOpenAsync(OpenedAhead opened, CancellationToken ct)
    {
        var src = opened.Folder;
        if (!await opened.Examine || opened.Connection != CurrentLane.Source || !src.IsOpen || src.Access != FolderAccess.ReadOnly)
        {
            await OpenFolderAsync(src, FolderAccess.ReadOnly, ImapSide.Source, ct);
        }
    }

    /// <summary>A source folder opened ahead on a lane's connection, and its EXAMINE (whether it worked).</summary>
    private sealed record OpenedAhead(ImapConnection Connection, IMailFolder Folder, Task<bool> Examine);

    /// <summary>A folder a lane took early and reads ahead on its source connection.</summary>
    private sealed class ReadAheadFolder(
        (FolderRun Run, FolderInfo Source, FolderInfo? Destination) item, ImapConnection connection, CancellationTokenSource stop)
    {
        public (FolderRun Run, FolderInfo Source, FolderInfo? Destination) Item { get; } = item;

        /// <summary>The source connection it is read on: useless once the lane reconnected.</summary>
        public ImapConnection Connection { get; } = connection;

        public CancellationTokenSource Stop { get; } = stop;

        /// <summary>The selected source folder and its UIDs, once the reader has them.</summary>
        public TaskCompletionSource<(ImapFolder Folder, List<UniqueId> Candidates)> Selected { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The batches read, one ahead of the appender, as a folder pass's own reader hands them over.</summary>
        public Channel<CopyUnit> Units { get; } = Channel.CreateBounded<CopyUnit>(1);

        public Task<bool> Reader { get; set; } = Task.FromResult(false);

        /// <summary>Taken over by the folder's pass, which stops and disposes it as its own reader.</summary>
        public bool Used { get; set; }
    }
}
