using Ligbox.Core.Audit;
using Ligbox.Core.Jobs;
using Ligbox.Core.Persistence;
using Ligbox.Core.Security;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Mailboxes;

public sealed record MailboxImportResult(bool Committed, int Imported, IReadOnlyList<MailboxCsvRowPreview> Rows, IReadOnlyList<MailboxCsvError> Errors);

/// <summary>A parsed row as the preview shows it: never with the passwords.</summary>
public sealed record MailboxCsvRowPreview(int Line, string SourceUser, string DestUser, string? DestFolderPrefix);

/// <summary>Adds and lists a job's mailboxes; imports them from CSV all-or-nothing.</summary>
public sealed class MailboxService(IDbContextFactory<LigboxDbContext> dbFactory, SecretProtector protector, AuditLog audit, TimeProvider clock)
{
    public const int MaxCsvBytes = 10 * 1024 * 1024;

    public async Task<MailboxDto> AddAsync(Guid jobId, AddMailboxRequest request, string actor, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ManageMigration, ct); // issue 12: the caller's rights now
        var csvStyle = MailboxCsvParser.Parse(
            "source_user,source_password,dest_user,dest_password,dest_folder_prefix\n" +
            string.Join(',', new[] { request.SourceUser, request.SourcePassword, request.DestUser, request.DestPassword, request.DestFolderPrefix ?? "" }.Select(Quote)));
        if (csvStyle.Errors.Count > 0)
        {
            // Same rules as the CSV import, reported per API field name.
            throw new ValidationFailedException(csvStyle.Errors.GroupBy(e => ToApiField(e.Field))
                .ToDictionary(g => g.Key, g => g.Select(e => e.Reason).ToArray()));
        }

        var row = csvStyle.Rows[0];
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await LoadJobAsync(db, jobId, ct);
        var mailbox = job.AddMailbox(row.SourceUser, protector.Protect(row.SourcePassword), row.DestUser, protector.Protect(row.DestPassword),
            row.DestFolderPrefix, clock.GetUtcNow().UtcDateTime);
        db.Mailboxes.Add(mailbox);
        audit.Add(db, actor, "mailbox.added", "mailbox", mailbox.Id, new { mailbox.SourceLogin, mailbox.DestinationLogin }, jobId);
        await db.SaveChangesAsync(ct);
        return MailboxDto.From(mailbox);
    }

    public async Task<IReadOnlyList<MailboxDto>> ListAsync(Guid jobId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Jobs.AnyAsync(j => j.Id == jobId, ct))
        {
            throw new NotFoundException("Job", jobId);
        }

        var list = await db.Mailboxes.AsNoTracking().Where(m => m.JobId == jobId).ToListAsync(ct);
        return list.OrderBy(m => m.SourceLogin, StringComparer.Ordinal).Select(MailboxDto.From).ToList();
    }

    /// <summary>
    /// Parses the CSV and checks it against the job. With <paramref name="commit"/> false it only
    /// previews; with true it adds every row or, if any row is wrong, none.
    /// </summary>
    public async Task<MailboxImportResult> ImportCsvAsync(Guid jobId, string csv, bool commit, string actor, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ManageMigration, ct); // issue 12: the caller's rights now
        var parsed = MailboxCsvParser.Parse(csv);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await LoadJobAsync(db, jobId, ct);
        var errors = parsed.Errors.ToList();
        var existing = job.Mailboxes.Select(m => m.SourceLogin).ToHashSet(StringComparer.Ordinal);
        errors.AddRange(parsed.Rows.Where(r => existing.Contains(r.SourceUser))
            .Select(r => new MailboxCsvError(r.Line, "source_user", $"{r.SourceUser} is already in this job.")));
        if (job.IsClosed)
        {
            errors.Add(new(0, "", $"The job is {job.Phase}; mailboxes cannot be added."));
        }

        errors.Sort((a, b) => a.Line.CompareTo(b.Line));
        var preview = parsed.Rows.Select(r => new MailboxCsvRowPreview(r.Line, r.SourceUser, r.DestUser, r.DestFolderPrefix)).ToList();
        if (!commit || errors.Count > 0 || parsed.Rows.Count == 0)
        {
            return new(false, 0, preview, errors);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var r in parsed.Rows)
        {
            db.Mailboxes.Add(job.AddMailbox(r.SourceUser, protector.Protect(r.SourcePassword), r.DestUser, protector.Protect(r.DestPassword),
                r.DestFolderPrefix, now));
        }

        audit.Add(db, actor, "mailboxes.imported", "job", jobId, new { count = parsed.Rows.Count }, jobId);
        await db.SaveChangesAsync(ct);
        return new(true, parsed.Rows.Count, preview, []);
    }

    /// <summary>The plaintext secrets of a mailbox, for the engines only. Never log or return them.</summary>
    public async Task<(string Source, string Destination)> RevealSecretsAsync(Guid mailboxId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var m = await db.Mailboxes.AsNoTracking().SingleOrDefaultAsync(x => x.Id == mailboxId, ct) ?? throw new NotFoundException("Mailbox", mailboxId);
        return (protector.Unprotect(m.SourceSecretProtected), protector.Unprotect(m.DestinationSecretProtected));
    }

    private static async Task<MigrationJob> LoadJobAsync(LigboxDbContext db, Guid jobId, CancellationToken ct) =>
        await db.Jobs.Include(j => j.Mailboxes).SingleOrDefaultAsync(j => j.Id == jobId, ct) ?? throw new NotFoundException("Job", jobId);

    private static string Quote(string? v) => "\"" + (v ?? "").Replace("\"", "\"\"") + "\"";

    private static string ToApiField(string csvField) => csvField switch
    {
        "source_user" => "sourceUser",
        "source_password" => "sourcePassword",
        "dest_user" => "destUser",
        "dest_password" => "destPassword",
        "dest_folder_prefix" => "destFolderPrefix",
        _ => "mailbox",
    };
}
