using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Ligbox.Core.Runs;
using Ligbox.Core.Storage;
using Ligbox.Tools.NativeImap;

namespace Ligbox.Core.Pst;

/// <summary>
/// A PST/OST or mbox import (or a retry of an import's quarantine) into the run's one mailbox, in a mailbox slot:
/// readpst's lines go to the run's live log as readpst prints them, the figures to the live progress; a cancel
/// kills readpst (CliWrap kills its process tree) and stops the appenders. What was appended stays: a new import
/// skips it by identity, so the file is imported exactly once.
/// </summary>
public sealed class ImportHandler(PstImporter importer, DataDirectory data, MailboxSlots slots, MailboxImportTurns turns) : IRunHandler
{
    private static readonly TimeSpan LineEvery = TimeSpan.FromSeconds(2);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<Guid, PstImportStatistics> _live = new();

    public bool Handles(RunKind kind) => kind == RunKind.Pst;

    public string Describe(RunExecution x)
    {
        var p = PstRunFiles.ReadParameters(data, x.Job.Id, x.Run.Id);
        return p.RetryOfRunId is { } original ? $"quarantine of run {original} → {x.Job.Destination}" : $"{p.SourceName} → {x.Job.Destination}";
    }

    /// <summary>A copy of a running import's figures (taken under the lock they change under), or <c>null</c> when it is not running here.</summary>
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
        var parameters = PstRunFiles.ReadParameters(data, x.Job.Id, x.Run.Id);
        var item = x.Items.Single();
        var m = x.Mailboxes.Single();
        var login = m.SourceLogin;
        var destination = SyncHandlerSupport.Endpoint(x.Job.Destination, m.DestinationLogin, x.Secrets[m.Id].Destination);
        var progress = new Figures(x, login, m.Id.ToString());
        PstImportStatistics stats;
        // Imports into one mailbox (of any kind) run one after the other (MailboxImportTurns).
        var turn = await turns.WaitAsync(m.Id, () => x.Line(login, "Waiting for the other import into this mailbox to finish; this one starts right after it."), ct);

        try
        {
            stats = (await slots.ForEachAsync([m], async (_, token) =>
            {
                if (parameters.RetryOfRunId is { } original)
                {
                    x.Line(login, $"Appending the quarantined messages of run {original} again.");
                    return await importer.RetryQuarantineAsync(destination, PstRunFiles.QuarantineDirectory(data, x.Job.Id, original), parameters.RootFolder, token);
                }

                var request = new PstImportRequest(parameters.SourcePath, parameters.SourceName, destination,
                    Path.Combine(data.Work, x.Run.Id.ToString()), PstRunFiles.QuarantineDirectory(data, x.Job.Id, x.Run.Id), parameters.RootFolder,
                    line => x.Line(login, "readpst: " + line), PstRunFiles.OtherItemsPath(data, x.Job.Id, x.Run.Id));
                return await importer.ImportAsync(request, s =>
                {
                    _live[x.Run.Id] = s;
                    progress.Report(s);
                }, token);
            }, _ => x.Line(login, "Waiting for a free mailbox slot (Ligbox:Runs:MaxConcurrentMailboxes)."), ct)).Single();
        }
        catch (PstImportException ex)
        {
            var json = _live.TryGetValue(x.Run.Id, out var partial) ? Serialize(partial) : null;
            item.Record(false, ex.Message, json);
            return RunOutcome.Failure(ex.Message, json);
        }
        finally
        {
            _live.TryRemove(x.Run.Id, out _);
            turn.Dispose();
        }

        var message = $"{stats.Appended} appended, {stats.Skipped} already there, {stats.Quarantined} quarantined.";
        var statistics = Serialize(stats);
        item.Record(true, message, statistics);
        x.Report(login, new SyncProgressEvent
        {
            MailboxKey = m.Id.ToString(),
            Stage = SyncProgressStage.MailboxCompleted,
            MailboxDone = stats.Appended + stats.Skipped + stats.Quarantined,
            MailboxTotal = stats.Parsed + stats.Folders.Sum(f => f.Quarantined),
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

    /// <summary>Import figures as live progress, with a log line when the phase changes and at most every two seconds.</summary>
    private sealed class Figures(RunExecution x, string login, string key)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private string? _phase;
        private TimeSpan _lastLine;

        /// <summary>Called by the importer under the statistics' lock.</summary>
        public void Report(PstImportStatistics s)
        {
            var done = s.Appended + s.Skipped + s.Quarantined;
            var folder = s.Folders.LastOrDefault();
            var rate = _clock.Elapsed.TotalSeconds > 0 ? (s.Appended + s.Skipped) / _clock.Elapsed.TotalSeconds : 0;
            x.Report(login, new SyncProgressEvent
            {
                MailboxKey = key,
                Stage = SyncProgressStage.FolderProgress,
                Folder = folder?.Source,
                FolderDone = folder is null ? 0 : folder.Appended + folder.Skipped + folder.Quarantined,
                FolderTotal = folder is null ? 0 : folder.Extracted - folder.NotMail,
                MailboxDone = done,
                MailboxTotal = s.Folders.Sum(f => f.Extracted - f.NotMail),
                MessagesPerSecond = rate,
            });
            if (s.Phase != _phase)
            {
                _phase = s.Phase;
                x.Line(login, s.Phase switch
                {
                    "extracting" => $"Extracting {s.SourceName} with readpst; each folder is appended as soon as readpst has finished it.",
                    "importing" => $"Appending to the destination mailbox ({s.SourceKind}).",
                    "done" => "Counting the destination folders done.",
                    _ => s.Phase,
                });
            }
            else if ((s.Phase == "importing" || (s.Phase == "extracting" && s.Appended + s.Skipped > 0)) && _clock.Elapsed - _lastLine >= LineEvery)
            {
                _lastLine = _clock.Elapsed;
                x.Line(login, $"{folder?.Source}: {s.Appended} appended, {s.Skipped} already there, {s.Quarantined} quarantined ({rate:N0} msg/s).");
            }
        }
    }
}

/// <summary>Where a PST run keeps its parameters and quarantine: <c>quarantine/{job}/{run}/</c>.</summary>
internal static class PstRunFiles
{
    public const string ParametersFile = "import.json";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string QuarantineDirectory(DataDirectory data, Guid jobId, Guid runId) => Path.Combine(data.Quarantine, jobId.ToString(), runId.ToString());

    /// <summary>The zip of the contacts and calendar entries readpst extracted (vCard, iCalendar).</summary>
    public static string OtherItemsPath(DataDirectory data, Guid jobId, Guid runId) => Path.Combine(QuarantineDirectory(data, jobId, runId), "pst-items.zip");

    public static async Task WriteParametersAsync(DataDirectory data, Guid jobId, Guid runId, PstRunParameters parameters, CancellationToken ct)
    {
        var directory = QuarantineDirectory(data, jobId, runId);
        Directory.CreateDirectory(directory);
        await PrivateFile.WriteTextAsync(Path.Combine(directory, ParametersFile), JsonSerializer.Serialize(parameters, Json), ct);
    }

    public static PstRunParameters ReadParameters(DataDirectory data, Guid jobId, Guid runId) =>
        JsonSerializer.Deserialize<PstRunParameters>(File.ReadAllText(Path.Combine(QuarantineDirectory(data, jobId, runId), ParametersFile)), Json)
            ?? throw new InvalidOperationException($"PST run {runId} has no parameters.");
}
