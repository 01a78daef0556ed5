using System.Collections.Concurrent;
using System.Text.Json;
using Ligbox.Core.Audit;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Core.Storage;
using Ligbox.Core.Uploads;
using Ligbox.Tools.NativeImap;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Ligbox.Core.Pst;

/// <summary>Start an import from a finished tus upload (<paramref name="UploadId"/>) or a file on the server (<paramref name="FilePath"/>).</summary>
/// <param name="UploadId">A completed upload.</param>
/// <param name="FilePath">A PST/mbox path on the server (operators, tests).</param>
/// <param name="RootFolder">Ordinary PST folders go under this destination folder; empty for the top level.</param>
public sealed record PstImportStart(string? UploadId, string? FilePath = null, string? RootFolder = PstImportService.DefaultRootFolder);

/// <summary>Who starts an import: <paramref name="UserId"/> is the id uploads are owned by (ClaimTypes.NameIdentifier).</summary>
/// <param name="Actor">The name written to the audit trail.</param>
/// <param name="UserId">Only the owner of an upload may import it...</param>
/// <param name="IsAdmin">...or an admin.</param>
public sealed record PstImportCaller(string Actor, string? UserId, bool IsAdmin);

/// <summary>What <c>GET /runs/{id}/pst</c> returns.</summary>
public sealed record PstRunReport(Guid RunId, Guid JobId, RunStatus Status, string? Message, PstImportStatistics? Statistics, IReadOnlyList<QuarantineEntry> Quarantine);

/// <summary>The parameters of a PST run, kept beside its quarantine (no new table).</summary>
internal sealed record PstRunParameters(Guid MailboxId, string SourcePath, string SourceName, string? RootFolder, Guid? RetryOfRunId);

/// <summary>Creates PST/mbox import runs, executes them one at a time, reports and retries their quarantine.</summary>
public sealed class PstImportService(
    IDbContextFactory<LigboxDbContext> dbFactory,
    TusUploadStore uploads,
    MailboxService mailboxes,
    PstImporter importer,
    PstImportQueue queue,
    DataDirectory data,
    AuditLog audit,
    TimeProvider clock,
    Gate.GateService gate,
    ILogger<PstImportService> logger)
{
    public const string DefaultRootFolder = "Imported PST";
    private const string ParametersFile = "import.json";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly ConcurrentDictionary<Guid, PstImportStatistics> Live = new();

    /// <summary>
    /// Checks the upload (the caller's own, or any for an admin; finished; content matching its extension),
    /// then creates a queued <see cref="RunKind.Pst"/> run and queues it; returns the run id.
    /// </summary>
    /// <exception cref="NotFoundException">No such upload, job or mailbox.</exception>
    /// <exception cref="ForbiddenException">The upload belongs to another user and the caller is not an admin.</exception>
    /// <exception cref="ValidationFailedException">Unfinished upload, or not a PST/OST/mbox.</exception>
    public async Task<Guid> StartImportAsync(Guid jobId, Guid mailboxId, PstImportStart request, PstImportCaller caller, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ManageMigration, ct); // issue 12: the caller's rights now
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        string path, name;
        if (!string.IsNullOrWhiteSpace(request.UploadId))
        {
            var upload = await uploads.GetAsync(request.UploadId, ct) ?? throw new NotFoundException("Upload", request.UploadId);
            if (!caller.IsAdmin && upload.OwnerId != caller.UserId)
            {
                throw new ForbiddenException("This upload was made by another user; only they (or an admin) can import it. Upload the file yourself.");
            }

            if (!upload.IsCompleted)
            {
                throw Invalid("uploadId", $"The upload is not finished ({upload.Offset} of {upload.Length} bytes).");
            }

            (path, name) = (uploads.GetDataFilePath(upload.Id), upload.FileName ?? upload.Id);
        }
        else if (!string.IsNullOrWhiteSpace(request.FilePath) && File.Exists(request.FilePath))
        {
            (path, name) = (Path.GetFullPath(request.FilePath), Path.GetFileName(request.FilePath));
        }
        else
        {
            throw Invalid("uploadId", "Give the id of a finished upload.");
        }

        if (PstFileCheck.Problem(path, name) is { } problem)
        {
            // A rejected upload (perhaps a CSV full of passwords) does not wait for its expiry (issue 12).
            if (!string.IsNullOrWhiteSpace(request.UploadId))
            {
                await uploads.DeleteAsync(request.UploadId, ct);
            }

            throw Invalid("uploadId", problem + " The upload was deleted.");
        }

        var root = string.IsNullOrWhiteSpace(request.RootFolder) ? null : request.RootFolder.Trim();
        return await CreateRunAsync(jobId, mailboxId, new PstRunParameters(mailboxId, path, name, root, null), caller.Actor, ct);
    }

    /// <summary>Queues a run that appends the quarantined messages of <paramref name="runId"/> again.</summary>
    public async Task<Guid> RetryQuarantineAsync(Guid runId, string actor, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ManageMigration, ct); // issue 12: the caller's rights now
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId && r.Kind == RunKind.Pst, ct) ?? throw new NotFoundException("PST run", runId);
        var original = ReadParameters(run.JobId, runId);
        if (QuarantineWriter.Read(QuarantineDirectory(run.JobId, runId)).Count == 0)
        {
            throw Invalid("quarantine", "This run has no quarantined messages.");
        }

        return await CreateRunAsync(run.JobId, original.MailboxId, original with { RetryOfRunId = runId }, actor, ct);
    }

    /// <summary>Executes a queued run (the worker calls this; a scheduler could too).</summary>
    public async Task ExecuteAsync(Guid runId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.SingleAsync(r => r.Id == runId, ct);
        if (run.Status is not (RunStatus.Queued or RunStatus.Interrupted))
        {
            return; // cancelled while queued, or already done
        }

        var parameters = ReadParameters(run.JobId, runId);
        var stats = Live.GetOrAdd(runId, _ => new PstImportStatistics { SourceName = parameters.SourceName });
        Directory.CreateDirectory(data.Logs);
        run.Start(clock.GetUtcNow().UtcDateTime, Path.Combine(data.Logs, $"pst-{runId}.log"));
        await db.SaveChangesAsync(ct);
        try
        {
            var destination = await DestinationAsync(db, run.JobId, parameters.MailboxId, ct);
            PstImportStatistics result;
            if (parameters.RetryOfRunId is { } original)
            {
                result = await importer.RetryQuarantineAsync(destination, QuarantineDirectory(run.JobId, original), parameters.RootFolder, ct);
            }
            else
            {
                var request = new PstImportRequest(parameters.SourcePath, parameters.SourceName, destination,
                    Path.Combine(data.Work, runId.ToString()), QuarantineDirectory(run.JobId, runId), parameters.RootFolder);
                result = await importer.ImportAsync(request, s => Live[runId] = s, ct);
            }

            var message = $"{result.Appended} appended, {result.Skipped} already there, {result.Quarantined} quarantined.";
            run.Complete(clock.GetUtcNow().UtcDateTime, RunStatisticsSerializer.WriteImport(result), message);
            await File.WriteAllTextAsync(run.LogPath!, message + "\n", CancellationToken.None);
        }
        catch (PstImportException ex)
        {
            run.Fail(clock.GetUtcNow().UtcDateTime, ex.Message, JsonSerializer.Serialize(Live.GetValueOrDefault(runId) ?? stats, Json));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            run.Interrupt("The console stopped during the import; start it again: what was appended is skipped.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "PST run {RunId} failed", runId);
            run.Fail(clock.GetUtcNow().UtcDateTime, ex.Message, JsonSerializer.Serialize(Live.GetValueOrDefault(runId) ?? stats, Json));
        }
        finally
        {
            Live.TryRemove(runId, out _);
        }

        foreach (var item in await db.Set<RunMailbox>().Where(m => m.RunId == runId).ToListAsync(CancellationToken.None))
        {
            item.Close(run.Status);
        }

        await db.SaveChangesAsync(CancellationToken.None);
        if (run.Status is RunStatus.Succeeded or RunStatus.Failed)
        {
            // A PST/mbox-only job's gate counts what the imports put there.
            await gate.EvaluateAsync(run.JobId, CancellationToken.None);
        }
    }

    /// <summary>Per-folder counts (live while running) and the quarantine list.</summary>
    public async Task<PstRunReport> GetReportAsync(Guid runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId && r.Kind == RunKind.Pst, ct) ?? throw new NotFoundException("PST run", runId);
        var stats = Live.TryGetValue(runId, out var live) ? Snapshot(live)
            : RunStatisticsSerializer.ReadImport(run.StatisticsJson);
        return new PstRunReport(run.Id, run.JobId, run.Status, run.Message, stats, QuarantineWriter.Read(QuarantineDirectory(run.JobId, runId)));
    }

    /// <summary>
    /// A copy of a running import's figures, taken under the lock the append pipeline changes them under
    /// (<see cref="PstAppendPipeline.Update"/>), so a report never reads a folder list that is being added to.
    /// </summary>
    private static PstImportStatistics Snapshot(PstImportStatistics live)
    {
        lock (live)
        {
            return JsonSerializer.Deserialize<PstImportStatistics>(JsonSerializer.Serialize(live, Json), Json)!;
        }
    }

    /// <summary>The <c>.eml</c> of quarantined message <paramref name="number"/>, or <c>null</c>.</summary>
    public async Task<string?> QuarantineFileAsync(Guid runId, int number, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId && r.Kind == RunKind.Pst, ct);
        if (run is null || number < 1)
        {
            return null;
        }

        var path = QuarantineWriter.EmlPath(QuarantineDirectory(run.JobId, runId), number);
        return File.Exists(path) ? path : null;
    }

    private async Task<Guid> CreateRunAsync(Guid jobId, Guid mailboxId, PstRunParameters parameters, string actor, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.Include(j => j.Mailboxes).SingleOrDefaultAsync(j => j.Id == jobId, ct) ?? throw new NotFoundException("Job", jobId);
        if (job.Mailboxes.All(m => m.Id != mailboxId))
        {
            throw new NotFoundException("Mailbox", mailboxId);
        }

        var run = new Run(jobId, RunKind.Pst, RunTrigger.Manual, actor, clock.GetUtcNow().UtcDateTime);
        db.Runs.Add(run);
        db.Add(new RunMailbox(run.Id, mailboxId, job.Mailboxes.Single(m => m.Id == mailboxId).SourceLogin));
        var directory = QuarantineDirectory(jobId, run.Id);
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, ParametersFile), JsonSerializer.Serialize(parameters, Json), ct);
        audit.Add(db, actor, parameters.RetryOfRunId is null ? "pst.import.started" : "pst.quarantine.retried", "run", run.Id,
            new { mailboxId, file = parameters.SourceName, parameters.RootFolder, parameters.RetryOfRunId }, jobId);
        await db.SaveChangesAsync(ct);
        await queue.EnqueueAsync(run.Id, ct);
        return run.Id;
    }

    private async Task<ImapEndpoint> DestinationAsync(LigboxDbContext db, Guid jobId, Guid mailboxId, CancellationToken ct)
    {
        var job = await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == jobId, ct);
        var mailbox = await db.Mailboxes.AsNoTracking().SingleAsync(m => m.Id == mailboxId, ct);
        var (_, secret) = await mailboxes.RevealSecretsAsync(mailboxId, ct);
        var server = job.Destination;
        return new ImapEndpoint(server.Host, server.Port,
            server.Security switch { ImapSecurityMode.Ssl => ImapSecurity.Ssl, ImapSecurityMode.StartTls => ImapSecurity.StartTls, _ => ImapSecurity.None },
            mailbox.DestinationLogin, secret,
            server.Auth switch { ImapAuthMode.XOAuth2 => ImapAuthMechanism.XOAuth2, ImapAuthMode.Login => ImapAuthMechanism.Login, _ => ImapAuthMechanism.Plain });
    }

    private static ValidationFailedException Invalid(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] });

    private string QuarantineDirectory(Guid jobId, Guid runId) => Path.Combine(data.Quarantine, jobId.ToString(), runId.ToString());

    private PstRunParameters ReadParameters(Guid jobId, Guid runId) =>
        JsonSerializer.Deserialize<PstRunParameters>(File.ReadAllText(Path.Combine(QuarantineDirectory(jobId, runId), ParametersFile)), Json)
            ?? throw new InvalidOperationException($"PST run {runId} has no parameters.");
}
