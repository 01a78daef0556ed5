using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Ligbox.Core.Pst;
using Ligbox.Core.Runs;
using Ligbox.Core.Storage;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Zimbra;

namespace Ligbox.Core.Zimbra;

/// <summary>
/// A Zimbra TGZ import (<see cref="RunKind.Tgz"/>) into the run's one mailbox, in a mailbox slot and in the
/// mailbox's import turn (shared with PST imports): the archive is streamed into the destination, the figures
/// (bytes read, per folder counts) go to the live progress and the log; a cancel stops reading and the
/// appenders. What was appended stays: a new import skips it by identity, so the export is imported once.
/// </summary>
public sealed class ZimbraImportHandler(ZimbraImporter importer, ZimbraSources sources, DataDirectory data, MailboxSlots slots, MailboxImportTurns turns) : IRunHandler
{
    private static readonly TimeSpan LineEvery = TimeSpan.FromSeconds(2);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<Guid, PstImportStatistics> _live = new();

    public bool Handles(RunKind kind) => kind == RunKind.Tgz;

    public string Describe(RunExecution x)
    {
        var p = ZimbraRunFiles.ReadParameters(data, x.Job.Id, x.Run.Id);
        return $"Zimbra {p.SourceName} → {x.Job.Destination}";
    }

    /// <summary>A copy of a running import's figures, or <c>null</c> when it is not running here.</summary>
    public PstImportStatistics? Live(Guid runId)
    {
        if (!_live.TryGetValue(runId, out var live))
        {
            return null;
        }

        lock (live)
        {
            return JsonSerializer.Deserialize<PstImportStatistics>(JsonSerializer.Serialize(live, Json), Json);
        }
    }

    public async Task<RunOutcome> ExecuteAsync(RunExecution x, CancellationToken ct)
    {
        var parameters = ZimbraRunFiles.ReadParameters(data, x.Job.Id, x.Run.Id);
        var item = x.Items.Single();
        var m = x.Mailboxes.Single();
        var login = m.SourceLogin;
        var destination = SyncHandlerSupport.Endpoint(x.Job.Destination, m.DestinationLogin, x.Secrets[m.Id].Destination);
        var progress = new Figures(x, login, m.Id.ToString());
        PstImportStatistics stats;
        using (await turns.WaitAsync(m.Id, () => x.Line(login, "Waiting for the other import into this mailbox to finish; this one starts right after it."), ct))
        {
            try
            {
                stats = (await slots.ForEachAsync([m], async (_, token) =>
                {
                    var source = sources.Open(x, m, parameters);
                    x.Line(login, source.Description);
                    var request = new ZimbraImportRequest(source.OpenAsync, parameters.SourceName, source.Length, destination,
                        ZimbraRunFiles.QuarantineDirectory(data, x.Job.Id, x.Run.Id), ZimbraRunFiles.OtherItemsPath(data, x.Job.Id, x.Run.Id), parameters.RootFolder);
                    return await importer.ImportAsync(request, s =>
                    {
                        _live[x.Run.Id] = s;
                        progress.Report(s);
                    }, token);
                }, _ => x.Line(login, "Waiting for a free mailbox slot (Ligbox:Runs:MaxConcurrentMailboxes)."), ct)).Single();
            }
            catch (Exception ex) when (ex is PstImportException or ZimbraSshException)
            {
                var json = _live.TryGetValue(x.Run.Id, out var partial) ? Serialize(partial) : null;
                item.Record(false, ex.Message, json);
                return RunOutcome.Failure(ex.Message, json);
            }
            finally
            {
                _live.TryRemove(x.Run.Id, out _);
            }
        }

        var others = stats.OtherItems.Count == 0 ? "" : " Not mail, kept for download: " + string.Join(", ", stats.OtherItems.OrderBy(o => o.Key).Select(o => $"{o.Value} {o.Key}{(o.Value == 1 ? "" : "s")}")) + ".";
        var message = $"{stats.Appended} appended, {stats.Skipped} already there, {stats.Quarantined} quarantined.{others}";
        var statistics = Serialize(stats);
        item.Record(true, message, statistics);
        x.Line(login, message);
        x.Report(login, new SyncProgressEvent
        {
            MailboxKey = m.Id.ToString(),
            Stage = SyncProgressStage.MailboxCompleted,
            MailboxDone = stats.Appended + stats.Skipped + stats.Quarantined,
            MailboxTotal = stats.Folders.Sum(f => f.Extracted),
            BytesTransferred = stats.BytesRead,
        });
        return RunOutcome.Success(message, statistics);
    }

    private static string Serialize(PstImportStatistics stats)
    {
        lock (stats)
        {
            return RunStatisticsSerializer.WriteImport(stats);
        }
    }

    /// <summary>Import figures as live progress (messages and bytes read), with a log line at most every two seconds.</summary>
    private sealed class Figures(RunExecution x, string login, string key)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _lastLine;

        /// <summary>Called by the importer under the statistics' lock.</summary>
        public void Report(PstImportStatistics s)
        {
            var done = s.Appended + s.Skipped + s.Quarantined;
            var folder = s.Folders.LastOrDefault();
            var seconds = _clock.Elapsed.TotalSeconds;
            var rate = seconds > 0 ? (s.Appended + s.Skipped) / seconds : 0;
            TimeSpan? remaining = s.SourceBytes > 0 && s.BytesRead > 0 && seconds > 1
                ? TimeSpan.FromSeconds(seconds * (s.SourceBytes - s.BytesRead) / s.BytesRead)
                : null;
            x.Report(login, new SyncProgressEvent
            {
                MailboxKey = key,
                Stage = SyncProgressStage.FolderProgress,
                Folder = folder?.Source,
                FolderDone = folder is null ? 0 : folder.Appended + folder.Skipped + folder.Quarantined,
                FolderTotal = folder?.Extracted ?? 0,
                MailboxDone = done,
                MailboxTotal = s.Folders.Sum(f => f.Extracted),
                BytesTransferred = s.BytesRead,
                MessagesPerSecond = rate,
                EstimatedRemaining = remaining,
            });
            if (s.Phase == "importing" && _clock.Elapsed - _lastLine >= LineEvery)
            {
                _lastLine = _clock.Elapsed;
                var of = s.SourceBytes > 0 ? $" of {s.SourceBytes / 1048576.0:N1}" : "";
                x.Line(login, $"{s.BytesRead / 1048576.0:N1}{of} MiB read; {folder?.Source}: {s.Appended} appended, {s.Skipped} already there, {s.Quarantined} quarantined ({rate:N0} msg/s).");
            }
        }
    }
}

/// <summary>The parameters of a TGZ run, kept beside its quarantine (no new table).</summary>
/// <param name="MailboxId">The mailbox imported into.</param>
/// <param name="SourcePath">The uploaded <c>.tgz</c>; <c>null</c> when the run exports over SSH.</param>
/// <param name="SourceName">The file name (or <c>zmmailbox</c> and the account) for reports.</param>
/// <param name="RootFolder">Ordinary folders go under this destination folder; <c>null</c> = merged at the top level.</param>
/// <param name="Query">Over SSH, an optional Zimbra search (<c>after:...</c>) narrowing the export (a delta window).</param>
/// <param name="Account">Over SSH, the Zimbra account exported with zmmailbox; <c>null</c> for an uploaded file.</param>
public sealed record ZimbraRunParameters(Guid MailboxId, string? SourcePath, string SourceName, string? RootFolder, string? Query = null, string? Account = null);

/// <summary>Where a TGZ run keeps its parameters, quarantine and other-items archive: <c>quarantine/{job}/{run}/</c>.</summary>
internal static class ZimbraRunFiles
{
    public const string ParametersFile = "zimbra.json";
    public const string OtherItemsFile = "zimbra-items.zip";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string QuarantineDirectory(DataDirectory data, Guid jobId, Guid runId) => PstRunFiles.QuarantineDirectory(data, jobId, runId);

    public static string OtherItemsPath(DataDirectory data, Guid jobId, Guid runId) => Path.Combine(QuarantineDirectory(data, jobId, runId), OtherItemsFile);

    public static async Task WriteParametersAsync(DataDirectory data, Guid jobId, Guid runId, ZimbraRunParameters parameters, CancellationToken ct)
    {
        var directory = QuarantineDirectory(data, jobId, runId);
        Directory.CreateDirectory(directory);
        await PrivateFile.WriteTextAsync(Path.Combine(directory, ParametersFile), JsonSerializer.Serialize(parameters, Json), ct);
    }

    public static ZimbraRunParameters ReadParameters(DataDirectory data, Guid jobId, Guid runId) =>
        JsonSerializer.Deserialize<ZimbraRunParameters>(File.ReadAllText(Path.Combine(QuarantineDirectory(data, jobId, runId), ParametersFile)), Json)
            ?? throw new InvalidOperationException($"TGZ run {runId} has no parameters.");
}
