using MailKit;
using MailKit.Net.Imap;

namespace Ligbox.Tools.NativeImap;

public sealed partial class NativeImapSyncEngine
{
    /// <inheritdoc />
    public async Task<PreflightResult> PreflightAsync(
        ImapEndpoint source, ImapEndpoint destination, FolderMappingOptions? mapping = null, CancellationToken cancellationToken = default)
    {
        var mapper = new FolderMapper(mapping);
        var sourceTask = ProbeAsync(source, ImapSide.Source, cancellationToken);
        var destinationTask = ProbeAsync(destination, ImapSide.Destination, cancellationToken);
        var failures = new List<ImapFailure>();
        ImapServerCapabilities? sourceCapabilities = null, destinationCapabilities = null;
        var folders = new List<PreflightFolder>();
        DestinationQuota? quota = null;

        using (var connection = await OrFailure(sourceTask, failures))
        {
            if (connection is not null)
            {
                sourceCapabilities = Capabilities(connection.Client);
                var infos = await MailboxSyncRun.ListFoldersAsync(connection, cancellationToken);
                foreach (var info in infos.Values.Where(i => i.Selectable))
                {
                    var slashPath = FolderMapper.ToSlashPath(info.FullName, info.Separator);
                    var role = info.Role == FolderRole.None ? FolderMapper.RoleFromName(info.FullName) : info.Role;
                    if (!mapper.IsSelected(slashPath, info.Role))
                    {
                        continue;
                    }

                    var bytes = connection.Client.Capabilities.HasFlag(ImapCapabilities.StatusSize)
                        ? (long)info.Size
                        : await SumSizesAsync(connection.Client, info.FullName, cancellationToken);
                    folders.Add(new PreflightFolder(info.FullName, role, info.Count, bytes));
                }
            }
        }

        using (var connection = await OrFailure(destinationTask, failures))
        {
            if (connection is not null)
            {
                destinationCapabilities = Capabilities(connection.Client);
                long? limit = null, used = null;
                if (connection.Client.Capabilities.HasFlag(ImapCapabilities.Quota))
                {
                    var folderQuota = await connection.Client.Inbox.GetQuotaAsync(cancellationToken);
                    limit = folderQuota.StorageLimit * 1024L;
                    used = folderQuota.CurrentStorageSize * 1024L;
                }

                quota = new DestinationQuota(limit, used, folders.Sum(f => f.Bytes));
                if (!quota.Fits)
                {
                    failures.Add(new ImapFailure(ImapFailureKind.QuotaExceeded, ImapSide.Destination,
                        $"the source mailbox ({Mb(quota.RequiredBytes)}) does not fit in the {Mb(limit!.Value - (used ?? 0))} left of the "
                        + $"{Mb(limit.Value)} quota of {destination.User} on the destination: raise the quota before migrating"));
                }
            }
        }

        return new PreflightResult
        {
            SourceCapabilities = sourceCapabilities,
            DestinationCapabilities = destinationCapabilities,
            Folders = folders,
            Quota = quota,
            Failures = failures,
        };
    }

    /// <inheritdoc />
    public async Task<SyncPlan> PlanAsync(SyncRequest request, ISyncStateStore state, CancellationToken cancellationToken = default)
    {
        var (source, destination) = (await _connector.OpenPairAsync(request.Source, request.Destination, wait: true, cancellationToken))!.Value;
        using var sourceConnection = source;
        using var destinationConnection = destination;
        var sourceFolders = await MailboxSyncRun.ListFoldersAsync(source, cancellationToken);
        var destinationFolders = await MailboxSyncRun.ListFoldersAsync(destination, cancellationToken, withSize: false);
        var mappings = new FolderMapper(request.Mapping).Map(
            sourceFolders.Values.Where(f => f.Selectable).Select(f => new SourceFolder(f.FullName, f.Separator, f.Role)),
            destinationFolders.Values.Select(f => new DestinationFolder(f.FullName, f.Role)),
            destination.Client.PersonalNamespaces.FirstOrDefault()?.DirectorySeparator ?? '/');
        var planned = new List<PlannedFolder>();
        foreach (var mapping in mappings)
        {
            var info = sourceFolders[mapping.Source];
            destinationFolders.TryGetValue(mapping.Destination, out var target);
            // The checkpoint and a count: a plan never loads a folder's UID pairs.
            var checkpoint = await state.GetCheckpointAsync(request.EffectiveMailboxKey, mapping.Source, cancellationToken);
            var synced = checkpoint is { } c && c.SourceUidValidity == info.UidValidity && c.DestinationFolder == mapping.Destination
                ? Math.Min(info.Count, await state.CountPairsAsync(request.EffectiveMailboxKey, mapping.Source, cancellationToken))
                : 0;
            planned.Add(new PlannedFolder(mapping, info.Count,
                source.Client.Capabilities.HasFlag(ImapCapabilities.StatusSize) ? (long)info.Size : null,
                target?.Count ?? 0, synced));
        }

        return new SyncPlan(planned);
    }

    private async Task<ImapConnection> ProbeAsync(ImapEndpoint endpoint, ImapSide side, CancellationToken cancellationToken)
    {
        await Task.Yield();
        return await _connector.OpenAsync(endpoint, side, cancellationToken);
    }

    private static async Task<ImapConnection?> OrFailure(Task<ImapConnection> task, List<ImapFailure> failures)
    {
        try
        {
            return await task;
        }
        catch (ImapSyncException ex)
        {
            failures.Add(ex.Failure);
            return null;
        }
    }

    private static async Task<long> SumSizesAsync(ImapClient client, string folderName, CancellationToken cancellationToken)
    {
        var folder = await client.GetFolderAsync(folderName, cancellationToken);
        await folder.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
        var summaries = await folder.FetchAsync(0, -1, MessageSummaryItems.Size, cancellationToken);
        await folder.CloseAsync(false, cancellationToken);
        return summaries.Sum(s => (long)(s.Size ?? 0));
    }

    private static ImapServerCapabilities Capabilities(ImapClient client)
    {
        var c = client.Capabilities;
        return new ImapServerCapabilities
        {
            Idle = c.HasFlag(ImapCapabilities.Idle),
            CondStore = c.HasFlag(ImapCapabilities.CondStore),
            QResync = c.HasFlag(ImapCapabilities.QuickResync),
            SpecialUse = c.HasFlag(ImapCapabilities.SpecialUse),
            UidPlus = c.HasFlag(ImapCapabilities.UidPlus),
            Move = c.HasFlag(ImapCapabilities.Move),
            MultiAppend = c.HasFlag(ImapCapabilities.MultiAppend),
            Quota = c.HasFlag(ImapCapabilities.Quota),
            Raw = c.ToString().Split(", ", StringSplitOptions.RemoveEmptyEntries),
        };
    }

    private static string Mb(long bytes) => $"{bytes / 1048576.0:0.0} MB";
}
