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
public sealed class MailboxService(IDbContextFactory<LigboxDbContext> dbFactory, SecretProtector protector, AuditLog audit, TimeProvider clock,
    Gate.GateService gate)
{
    public const int MaxCsvBytes = 10 * 1024 * 1024;

    public async Task<MailboxDto> AddAsync(Guid jobId, AddMailboxRequest request, string actor, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ManageMigration, ct); // issue 12: the caller's rights now
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await LoadJobAsync(db, jobId, ct);
        // A side the job reaches with its admin login (master user) needs no mailbox password.
        var csvStyle = MailboxCsvParser.Parse(
            "source_user,source_password,dest_user,dest_password,dest_folder_prefix\n" +
            string.Join(',', new[] { request.SourceUser, request.SourcePassword, request.DestUser, request.DestPassword, request.DestFolderPrefix ?? "" }.Select(Quote)),
            NoPasswordNeeded(job.Source), NoPasswordNeeded(job.Destination));
        if (csvStyle.Errors.Count > 0)
        {
            // Same rules as the CSV import, reported per API field name.
            throw new ValidationFailedException(csvStyle.Errors.GroupBy(e => ToApiField(e.Field))
                .ToDictionary(g => g.Key, g => g.Select(e => e.Reason).ToArray()));
        }

        var row = csvStyle.Rows[0];
        var mailbox = job.AddMailbox(row.SourceUser, protector.Protect(row.SourcePassword), row.DestUser, protector.Protect(row.DestPassword),
            row.DestFolderPrefix, clock.GetUtcNow().UtcDateTime);
        db.Mailboxes.Add(mailbox);
        audit.Add(db, actor, "mailbox.added", "mailbox", mailbox.Id, new { mailbox.SourceLogin, mailbox.DestinationLogin }, jobId);
        await db.SaveChangesAsync(ct);
        await gate.EvaluateAsync(jobId, ct);
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
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await LoadJobAsync(db, jobId, ct);
        // With an admin login (master user) on a side, that side's password column may be left out or empty.
        var parsed = MailboxCsvParser.Parse(csv, NoPasswordNeeded(job.Source), NoPasswordNeeded(job.Destination));
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
        await gate.EvaluateAsync(jobId, ct);
        return new(true, parsed.Rows.Count, preview, []);
    }

    /// <summary>
    /// Changes a mailbox's logins, passwords or folder prefix (null members stay). A changed login or password
    /// counts as new credentials: a failed mailbox waits for its next pass, and an approved gate is revoked.
    /// </summary>
    /// <exception cref="DomainException">A run is active for the mailbox, the job is closed, or the new source login is taken.</exception>
    public async Task<MailboxDto> UpdateAsync(Guid jobId, Guid mailboxId, UpdateMailboxRequest request, string actor, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ManageMigration, ct); // issue 12: the caller's rights now
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, List<string>>();
        CheckLogin("sourceUser", request.SourceUser, errors);
        CheckLogin("destUser", request.DestUser, errors);
        if (request.SourcePassword is { Length: 0 })
        {
            errors.Add("sourcePassword", "Leave the password out to keep it, or enter the new one.");
        }

        if (request.DestPassword is { Length: 0 })
        {
            errors.Add("destPassword", "Leave the password out to keep it, or enter the new one.");
        }

        if (request.DestFolderPrefix is { Length: > 200 })
        {
            errors.Add("destFolderPrefix", "must be 200 characters or fewer.");
        }

        ValidationFailedException.ThrowIfAny(errors);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (job, mailbox) = await LoadForChangeAsync(db, jobId, mailboxId, "change", ct);
        var sourceLogin = request.SourceUser is null ? null : Mailbox.NormalizeLogin(request.SourceUser);
        if (sourceLogin is not null && sourceLogin != mailbox.SourceLogin && job.Mailboxes.Any(m => m.SourceLogin == sourceLogin))
        {
            throw new DuplicateMailboxException(sourceLogin, job.Domain);
        }

        var changes = new List<string>();
        if (sourceLogin is not null && sourceLogin != mailbox.SourceLogin)
        {
            changes.Add($"source login changed from {mailbox.SourceLogin} to {sourceLogin}");
        }

        var destLogin = request.DestUser is null ? null : Mailbox.NormalizeLogin(request.DestUser);
        if (destLogin is not null && destLogin != mailbox.DestinationLogin)
        {
            changes.Add($"destination login changed from {mailbox.DestinationLogin} to {destLogin}");
        }

        var prefix = request.DestFolderPrefix is null ? null : string.IsNullOrWhiteSpace(request.DestFolderPrefix) ? null : request.DestFolderPrefix.Trim();
        if (request.DestFolderPrefix is not null && prefix != mailbox.DestinationFolderPrefix)
        {
            changes.Add($"folder prefix changed from {mailbox.DestinationFolderPrefix ?? "(none)"} to {prefix ?? "(none)"}");
        }

        // Never the password itself: only that it changed.
        if (request.SourcePassword is not null)
        {
            changes.Add("source password changed");
        }

        if (request.DestPassword is not null)
        {
            changes.Add("destination password changed");
        }

        if (changes.Count == 0)
        {
            return MailboxDto.From(mailbox);
        }

        var credentialsBefore = mailbox.CredentialsVersion;
        mailbox.ChangeSettings(sourceLogin, destLogin, prefix, request.DestFolderPrefix is not null);
        mailbox.ReplaceSecrets(request.SourcePassword is null ? null : protector.Protect(request.SourcePassword),
            request.DestPassword is null ? null : protector.Protect(request.DestPassword));
        if (mailbox.CredentialsVersion != credentialsBefore)
        {
            mailbox.ResetAfterCredentialsChange();
        }

        audit.Add(db, actor, "mailbox.updated", "mailbox", mailbox.Id, new { mailbox = mailbox.SourceLogin, changes }, jobId);
        await db.SaveChangesAsync(ct);
        await gate.EvaluateAsync(jobId, ct);
        return MailboxDto.From(mailbox);
    }

    /// <summary>Removes a mailbox from the job; its runs' history stays. Refused while a run is active for it.</summary>
    public async Task RemoveAsync(Guid jobId, Guid mailboxId, string actor, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ManageMigration, ct); // issue 12: the caller's rights now
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (_, mailbox) = await LoadForChangeAsync(db, jobId, mailboxId, "remove", ct);
        db.Mailboxes.Remove(mailbox);
        audit.Add(db, actor, "mailbox.removed", "mailbox", mailbox.Id, new { mailbox = mailbox.SourceLogin, mailbox.DestinationLogin }, jobId);
        await db.SaveChangesAsync(ct);
        await gate.EvaluateAsync(jobId, ct);
    }

    /// <summary>
    /// Leaves a mailbox out of every run and of the gate's figures, with a reason. The gate lists it, and the ops
    /// lead must accept the excluded mailboxes explicitly to approve.
    /// </summary>
    public async Task<MailboxDto> ExcludeAsync(Guid jobId, Guid mailboxId, string? reason, string actor, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ManageMigration, ct); // issue 12: the caller's rights now
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (_, mailbox) = await LoadForChangeAsync(db, jobId, mailboxId, "exclude", ct);
        if (mailbox.Excluded)
        {
            throw new DomainException($"{mailbox.SourceLogin} is already excluded from the job.");
        }

        mailbox.Exclude(reason ?? "", actor, clock.GetUtcNow().UtcDateTime);
        audit.Add(db, actor, "mailbox.excluded", "mailbox", mailbox.Id, new { mailbox = mailbox.SourceLogin, reason = mailbox.ExcludedReason }, jobId);
        await db.SaveChangesAsync(ct);
        await gate.EvaluateAsync(jobId, ct);
        return MailboxDto.From(mailbox);
    }

    /// <summary>Takes an excluded mailbox back into the job's runs and gate.</summary>
    public async Task<MailboxDto> IncludeAsync(Guid jobId, Guid mailboxId, string actor, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ManageMigration, ct); // issue 12: the caller's rights now
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (_, mailbox) = await LoadForChangeAsync(db, jobId, mailboxId, "include", ct);
        if (!mailbox.Excluded)
        {
            throw new DomainException($"{mailbox.SourceLogin} is not excluded from the job.");
        }

        mailbox.Include();
        audit.Add(db, actor, "mailbox.included", "mailbox", mailbox.Id, new { mailbox = mailbox.SourceLogin }, jobId);
        await db.SaveChangesAsync(ct);
        await gate.EvaluateAsync(jobId, ct);
        return MailboxDto.From(mailbox);
    }

    private static async Task<(MigrationJob Job, Mailbox Mailbox)> LoadForChangeAsync(LigboxDbContext db, Guid jobId, Guid mailboxId, string verb,
        CancellationToken ct)
    {
        var job = await LoadJobAsync(db, jobId, ct);
        var mailbox = job.Mailboxes.SingleOrDefault(m => m.Id == mailboxId) ?? throw new NotFoundException("Mailbox", mailboxId);
        if (job.IsClosed)
        {
            throw new DomainException($"The job is {job.Phase}; you cannot {verb} its mailboxes.");
        }

        var active = await (from rm in db.Set<Runs.RunMailbox>()
                            join r in db.Runs on rm.RunId equals r.Id
                            where rm.MailboxId == mailboxId && (r.Status == Runs.RunStatus.Queued || r.Status == Runs.RunStatus.Running)
                            select (Runs.RunKind?)r.Kind).FirstOrDefaultAsync(ct);
        if (active is { } kind)
        {
            throw new DomainException($"A {kind.ToString().ToLowerInvariant()} run is active for {mailbox.SourceLogin}; " +
                $"you can {verb} the mailbox when it has ended (or cancel it).");
        }

        return (job, mailbox);
    }

    private static void CheckLogin(string field, string? login, Dictionary<string, List<string>> errors)
    {
        if (login is null)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(login))
        {
            errors.Add(field, "Leave the login out to keep it, or enter the new one.");
        }
        else if (login.Trim().Length > 320 || login.Trim().Any(char.IsWhiteSpace))
        {
            errors.Add(field, "A login has no spaces and at most 320 characters.");
        }
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

    /// <summary>A side reached with the job's admin login, or with OAuth 2.0 tokens (XOAUTH2, issue 15), needs no mailbox password.</summary>
    private static bool NoPasswordNeeded(ServerEndpoint server) => server.UsesAdminLogin || server.Auth == ImapAuthMode.XOAuth2;
}
