using MailKit.Net.Imap;
using Microsoft.Extensions.Logging;

namespace Ligbox.Tools.NativeImap;

/// <summary>
/// The end of an initial pass: one more look at its big folders on each side (<see cref="NativeImapOptions.SettleFolderMinMessages"/>),
/// so that the servers' deferred work on them is done in the pass, not in the next delta.
/// </summary>
/// <remarks>
/// What each look clears (Dovecot, maildir; docs/performance.md, session 35):
/// <list type="bullet">
/// <item>The destination: a look within a second of a change to a maildir directory leaves the folder marked for a
/// re-read of the whole directory at the next look, whenever that comes. The pass's last look at its folder (the SELECT
/// that gives its count, which also moves the new messages' files into cur/) is such a look, so the look here waits until
/// two seconds after the folder pass ended: its re-read then leaves the folder clean.</item>
/// <item>The source: counting the folder's size after the pass writes that size into the folder's index, which the list
/// of folders then no longer matches; the next STATUS opens the folder (reads its uidlist) and brings the list up to
/// date. The look here is that STATUS.</item>
/// </list>
/// Both sides at once, on lane 0's connections. A failure here only costs the next delta its time: it is logged, not
/// the pass's.
/// </remarks>
internal sealed partial class MailboxSyncRun
{
    /// <summary>How long after the pass last changed a destination folder its look waits (Dovecot compares whole seconds).</summary>
    internal static readonly TimeSpan SettleDelay = TimeSpan.FromSeconds(2);

    /// <param name="sourceSized">Whether the pass asked the source for its folders' sizes (what its look clears).</param>
    /// <param name="ct">Cancels the wait and the looks.</param>
    private async Task SettleAsync(bool sourceSized, CancellationToken ct)
    {
        var min = _options.SettleFolderMinMessages;
        if (min <= 0 || _lanes.Count == 0)
        {
            return;
        }

        var destination = _folders.Where(f => f.DestinationChangedAt is not null && f.DestinationMessages >= min).ToList();
        var source = sourceSized ? _folders.Where(f => f.SourceMessages >= min).ToList() : [];
        if (destination.Count == 0 && source.Count == 0)
        {
            return;
        }

        var lane = _lanes[0];
        try
        {
            await Task.WhenAll(
                LookAgainAsync(lane.Source, ImapSide.Source, source.Select(f => f.Mapping.Source), TimeSpan.Zero, ct),
                LookAgainAsync(lane.Destination, ImapSide.Destination, destination.Select(f => f.Mapping.Destination),
                    destination.Count == 0 ? TimeSpan.Zero : destination.Max(f => f.DestinationChangedAt!.Value) + SettleDelay, ct));
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            Log(LogLevel.Warning, $"the last look at the pass's big folders failed (the next delta does it): {ex.Message}");
        }
    }

    /// <summary>
    /// From <paramref name="notBefore"/> on the run's clock, a STATUS of each folder, none of them selected on
    /// <paramref name="connection"/> (the session that has a folder selected would answer its STATUS from what it has open).
    /// </summary>
    private async Task LookAgainAsync(ImapConnection? connection, ImapSide side, IEnumerable<string> names, TimeSpan notBefore, CancellationToken ct)
    {
        var folders = names.Distinct(StringComparer.Ordinal).ToList();
        if (folders.Count == 0 || connection is null || !connection.Client.IsConnected)
        {
            return;
        }

        if (notBefore - _clock.Elapsed is { Ticks: > 0 } wait)
        {
            await Task.Delay(wait, ct);
        }

        foreach (var name in folders)
        {
            var folder = await connection.Client.GetFolderAsync(name, ct);
            if (folder.IsOpen)
            {
                if (!connection.Client.Capabilities.HasFlag(ImapCapabilities.Unselect))
                {
                    continue;
                }

                await folder.CloseAsync(false, ct);
            }

            await folder.StatusAsync(StatusItemsFor(connection.Client, withSize: side == ImapSide.Source), ct);
        }
    }
}
