using Ligbox.Core.Audit;
using Ligbox.Core.Persistence;
using Ligbox.Core.Pst;
using Ligbox.Core.Runs;
using Ligbox.Core.Storage;
using Ligbox.Core.Uploads;
using Ligbox.Tools.Zimbra;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Zimbra;

/// <summary>Start a Zimbra TGZ import from a finished tus upload or a file on the server.</summary>
/// <param name="UploadId">A completed upload of a <c>.tgz</c>.</param>
/// <param name="FilePath">A <c>.tgz</c> path on the server (operators, tests).</param>
/// <param name="RootFolder">Ordinary folders go under this destination folder; empty = merged at the top level.</param>
public sealed record ZimbraImportStart(string? UploadId, string? FilePath = null, string? RootFolder = ZimbraImportService.DefaultRootFolder);

/// <summary>What <c>GET /runs/{id}/tgz</c> returns: the counts (live while running), the quarantine and the other items.</summary>
public sealed record ZimbraRunReport(Guid RunId, Guid JobId, Guid MailboxId, RunStatus Status, string? Message, PstImportStatistics? Statistics,
    IReadOnlyList<QuarantineEntry> Quarantine, bool OtherItemsAvailable);

/// <summary>
/// Creates Zimbra TGZ import runs (<see cref="RunKind.Tgz"/>, queued and executed by the <see cref="RunPipeline"/>
/// through the <see cref="ZimbraImportHandler"/>) after checking the file is a Zimbra export, and reports them.
/// </summary>
public sealed class ZimbraImportService(
    IDbContextFactory<LigboxDbContext> dbFactory,
    TusUploadStore uploads,
    ZimbraImportHandler handler,
    RunScheduler scheduler,
    RunProgressNotifier notifier,
    DataDirectory data,
    AuditLog audit,
    TimeProvider clock)
{
    public const string DefaultRootFolder = "Imported Zimbra";

    /// <summary>The extensions taken as Zimbra exports.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".tgz", ".tar.gz"];

    /// <summary>Whether <paramref name="fileName"/> is named like a Zimbra export.</summary>
    public static bool IsTgzName(string? fileName) =>
        fileName is not null && Extensions.Any(e => fileName.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether the finished upload <paramref name="uploadId"/> is named like a Zimbra export (the import endpoint dispatches on it).</summary>
    public async Task<bool> IsTgzUploadAsync(string? uploadId, CancellationToken ct = default) =>
        !string.IsNullOrWhiteSpace(uploadId) && await uploads.GetAsync(uploadId, ct) is { } upload && IsTgzName(upload.FileName);

    /// <summary>
    /// Checks the upload (the caller's own, or any for an admin; finished; gzip, tar and Zimbra <c>.meta</c>
    /// entries), then creates a queued <see cref="RunKind.Tgz"/> run of the mailbox; returns the run id.
    /// A file that is not a Zimbra export is refused (and the upload deleted): no run, nothing imported.
    /// </summary>
    /// <exception cref="NotFoundException">No such upload, job or mailbox.</exception>
    /// <exception cref="ForbiddenException">The upload belongs to another user and the caller is not an admin.</exception>
    /// <exception cref="ValidationFailedException">Unfinished upload, or not a Zimbra TGZ.</exception>
    public async Task<Guid> StartImportAsync(Guid jobId, Guid mailboxId, ZimbraImportStart request, PstImportCaller caller, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ManageMigration, ct);
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

        var check = await ZimbraTgzCheck.CheckAsync(path, ct);
        if (!check.IsValid)
        {
            if (!string.IsNullOrWhiteSpace(request.UploadId))
            {
                await uploads.DeleteAsync(request.UploadId, ct);
            }

            throw Invalid("uploadId", $"'{name}' cannot be imported: {check.Message} Nothing was imported and the upload was deleted.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.Include(j => j.Mailboxes).SingleOrDefaultAsync(j => j.Id == jobId, ct) ?? throw new NotFoundException("Job", jobId);
        var mailbox = job.Mailboxes.SingleOrDefault(m => m.Id == mailboxId) ?? throw new NotFoundException("Mailbox", mailboxId);
        var root = string.IsNullOrWhiteSpace(request.RootFolder) ? null : request.RootFolder.Trim();
        var run = new Run(jobId, RunKind.Tgz, RunTrigger.Manual, caller.Actor, clock.GetUtcNow().UtcDateTime);
        db.Runs.Add(run);
        db.Add(new RunMailbox(run.Id, mailboxId, mailbox.SourceLogin));
        await ZimbraRunFiles.WriteParametersAsync(data, jobId, run.Id, new ZimbraRunParameters(mailboxId, path, name, root), ct);
        audit.Add(db, caller.Actor, "zimbra.import.started", "run", run.Id, new { mailboxId, file = name, rootFolder = root }, jobId);
        await db.SaveChangesAsync(ct);
        await scheduler.ScheduleAsync(run.Id, ct);
        notifier.RunChanged(jobId, run.Id);
        return run.Id;
    }

    /// <summary>Per-folder counts (live while running), the quarantine and whether the other-items archive is there.</summary>
    /// <exception cref="NotFoundException">No such TGZ run.</exception>
    public async Task<ZimbraRunReport> GetReportAsync(Guid runId, CancellationToken ct = default)
    {
        var run = await RunAsync(runId, ct);
        var parameters = ZimbraRunFiles.ReadParameters(data, run.JobId, runId);
        var stats = handler.Live(runId) ?? RunStatisticsSerializer.ReadImport(run.StatisticsJson);
        return new ZimbraRunReport(run.Id, run.JobId, parameters.MailboxId, run.Status, run.Message, stats,
            QuarantineWriter.Read(ZimbraRunFiles.QuarantineDirectory(data, run.JobId, runId)), File.Exists(ZimbraRunFiles.OtherItemsPath(data, run.JobId, runId)));
    }

    /// <summary>The archive of contacts (vCard), calendar items and tasks (iCalendar) and files of the run, or <c>null</c> when it has none.</summary>
    public async Task<string?> OtherItemsPathAsync(Guid runId, CancellationToken ct = default)
    {
        var run = await RunAsync(runId, ct);
        var path = ZimbraRunFiles.OtherItemsPath(data, run.JobId, runId);
        return File.Exists(path) ? path : null;
    }

    /// <summary>The <c>.eml</c> of quarantined message <paramref name="number"/> of a TGZ run, or <c>null</c>.</summary>
    public async Task<string?> QuarantineFileAsync(Guid runId, int number, CancellationToken ct = default)
    {
        var run = await RunAsync(runId, ct);
        var path = QuarantineWriter.EmlPath(ZimbraRunFiles.QuarantineDirectory(data, run.JobId, runId), number);
        return number >= 1 && File.Exists(path) ? path : null;
    }

    private async Task<Run> RunAsync(Guid runId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Runs.AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId && r.Kind == RunKind.Tgz, ct) ?? throw new NotFoundException("TGZ run", runId);
    }

    private static ValidationFailedException Invalid(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] });
}
