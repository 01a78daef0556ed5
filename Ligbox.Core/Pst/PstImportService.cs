using System.Text.Json;
using Ligbox.Core.Audit;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Core.Storage;
using Ligbox.Core.Uploads;
using Microsoft.EntityFrameworkCore;

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

/// <summary>
/// Creates PST/mbox import runs (queued on Quartz and executed by the <see cref="RunPipeline"/> through the
/// <see cref="ImportHandler"/>, like every run), reports them and retries their quarantine.
/// </summary>
public sealed class PstImportService(
    IDbContextFactory<LigboxDbContext> dbFactory,
    TusUploadStore uploads,
    ImportHandler handler,
    RunScheduler scheduler,
    RunProgressNotifier notifier,
    DataDirectory data,
    AuditLog audit,
    TimeProvider clock)
{
    public const string DefaultRootFolder = "Imported PST";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Checks the upload (the caller's own, or any for an admin; finished; content matching its extension),
    /// then creates a queued <see cref="RunKind.Pst"/> run of the mailbox and queues it; returns the run id.
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

    /// <summary>Per-folder counts (live while running) and the quarantine list.</summary>
    public async Task<PstRunReport> GetReportAsync(Guid runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId && r.Kind == RunKind.Pst, ct) ?? throw new NotFoundException("PST run", runId);
        var stats = handler.Live(runId) ?? RunStatisticsSerializer.ReadImport(run.StatisticsJson);
        return new PstRunReport(run.Id, run.JobId, run.Status, run.Message, stats, QuarantineWriter.Read(QuarantineDirectory(run.JobId, runId)));
    }

    /// <summary>The zip of the run's contacts (vCard) and calendar entries (iCalendar), or <c>null</c> when it has none.</summary>
    public async Task<string?> OtherItemsPathAsync(Guid runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId && r.Kind == RunKind.Pst, ct);
        var path = run is null ? null : PstRunFiles.OtherItemsPath(data, run.JobId, runId);
        return path is not null && File.Exists(path) ? path : null;
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
        await PstRunFiles.WriteParametersAsync(data, jobId, run.Id, parameters, ct);
        audit.Add(db, actor, parameters.RetryOfRunId is null ? "pst.import.started" : "pst.quarantine.retried", "run", run.Id,
            new { mailboxId, file = parameters.SourceName, parameters.RootFolder, parameters.RetryOfRunId }, jobId);
        await db.SaveChangesAsync(ct);
        await scheduler.ScheduleAsync(run.Id, ct);
        notifier.RunChanged(jobId, run.Id);
        return run.Id;
    }

    private static ValidationFailedException Invalid(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] });

    private string QuarantineDirectory(Guid jobId, Guid runId) => PstRunFiles.QuarantineDirectory(data, jobId, runId);

    private PstRunParameters ReadParameters(Guid jobId, Guid runId) => PstRunFiles.ReadParameters(data, jobId, runId);
}
