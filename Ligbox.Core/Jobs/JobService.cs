using System.Text.RegularExpressions;
using Ligbox.Core.Audit;
using Ligbox.Core.Persistence;
using Ligbox.Core.Scheduling;
using Ligbox.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Jobs;

/// <summary>Creates, lists, changes and cancels migration jobs. Pages and API endpoints both call it.</summary>
public sealed partial class JobService(IDbContextFactory<LigboxDbContext> dbFactory, AuditLog audit, TimeProvider clock, IOptions<LigboxOptions> options,
    DeltaScheduleTriggers schedules, Gate.GateService gate, Security.SecretProtector protector)
{
    [GeneratedRegex(@"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")]
    private static partial Regex DomainPattern();

    [GeneratedRegex(@"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")]
    private static partial Regex HostPattern();

    public async Task<JobDto> CreateAsync(CreateJobRequest request, string actor, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ManageMigration, ct); // issue 12: the caller's rights now
        var errors = new Dictionary<string, List<string>>();
        var domain = MigrationJob.NormalizeDomain(request.Domain);
        if (!DomainPattern().IsMatch(domain))
        {
            errors.Add("domain", "Enter the customer's mail domain, e.g. example.com.");
        }

        if (request.Source is not null)
        {
            ValidateServer("source", request.Source, errors);
            ValidateAdmin("source", request.Source, null, errors);
        }

        ValidateServer("destination", request.Destination, errors);
        ValidateAdmin("destination", request.Destination, null, errors);
        CheckAllowedServers(request.Source, request.Destination, errors); // issue 12: Ligbox:Network:AllowedHosts
        ValidateCommon(request.Name, request.TicketId, request.Options, errors);
        if (request.Engine is { } engine && !Enum.IsDefined(engine)) { errors.Add("engine", $"Choose one of {string.Join(", ", Enum.GetNames<SyncEngineKind>())}."); } // issue 12
        ValidateLanguage(request.Language, errors);
        ValidationFailedException.ThrowIfAny(errors);

        var now = clock.GetUtcNow().UtcDateTime;
        var job = new MigrationJob(domain, request.Name ?? "", request.TicketId, request.Source is null ? MigrationJob.NoSource : WithAdmin(request.Source, null),
            WithAdmin(request.Destination, null),
            request.Engine, (request.Options ?? new()).ToOptions(), actor, now);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        job.SetLanguage(await DefaultLanguageAsync(db, request.Language, actor, ct), now);
        db.Jobs.Add(job);
        audit.Add(db, actor, "job.created", "job", job.Id, new
        {
            job.Domain,
            job.Name,
            job.TicketId,
            job.Language,
            importOnly = !job.HasSource,
            // Pinned certificates are audited by fingerprint (null: none pinned).
            sourceCertificateSha256 = job.HasSource && job.Source.CertificateSha256 is { } sourcePin ? Tools.NativeImap.CertificatePin.Display(sourcePin) : null,
            destinationCertificateSha256 = job.Destination.CertificateSha256 is { } destinationPin ? Tools.NativeImap.CertificatePin.Display(destinationPin) : null,
            sourceAdminLogin = job.HasSource ? job.Source.AdminLogin : null,
            destinationAdminLogin = job.Destination.AdminLogin,
        }, job.Id);
        await db.SaveChangesAsync(ct);
        return ToDto(job, 0);
    }

    public async Task<JobDto> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.Jobs.AsNoTracking().Where(j => j.Id == id)
            .Select(j => new { Job = j, Count = j.Mailboxes.Count })
            .SingleOrDefaultAsync(ct) ?? throw new NotFoundException("Job", id);
        return ToDto(row.Job, row.Count);
    }

    public async Task<PagedResult<JobDto>> ListAsync(JobListQuery query, CancellationToken ct = default)
    {
        var page = Math.Max(1, query.Page);
        var size = Math.Clamp(query.PageSize, 1, 200);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.Jobs.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Domain))
        {
            var d = MigrationJob.NormalizeDomain(query.Domain);
            q = q.Where(j => j.Domain == d);
        }

        if (query.Phase is { } phase)
        {
            q = q.Where(j => j.Phase == phase);
        }

        if (!string.IsNullOrWhiteSpace(query.TicketId))
        {
            var t = query.TicketId.Trim();
            q = q.Where(j => j.TicketId == t);
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var s = query.Search.Trim().ToLower();
            q = q.Where(j => j.Domain.Contains(s) || j.Name.ToLower().Contains(s) || (j.TicketId != null && j.TicketId.ToLower().Contains(s)));
        }

        var total = await q.CountAsync(ct);
        var projected = q.Select(j => new { Job = j, Count = j.Mailboxes.Count });
        projected = (query.SortBy, query.Descending) switch
        {
            (JobSortField.Domain, false) => projected.OrderBy(x => x.Job.Domain),
            (JobSortField.Domain, true) => projected.OrderByDescending(x => x.Job.Domain),
            (JobSortField.Name, false) => projected.OrderBy(x => x.Job.Name),
            (JobSortField.Name, true) => projected.OrderByDescending(x => x.Job.Name),
            (JobSortField.Phase, false) => projected.OrderBy(x => x.Job.Phase),
            (JobSortField.Phase, true) => projected.OrderByDescending(x => x.Job.Phase),
            (JobSortField.Mailboxes, false) => projected.OrderBy(x => x.Count),
            (JobSortField.Mailboxes, true) => projected.OrderByDescending(x => x.Count),
            (_, false) => projected.OrderBy(x => x.Job.CreatedAtUtc),
            _ => projected.OrderByDescending(x => x.Job.CreatedAtUtc),
        };
        var rows = await projected.Skip((page - 1) * size).Take(size).ToListAsync(ct);
        return new(rows.Select(r => ToDto(r.Job, r.Count)).ToList(), total, page, size);
    }

    public async Task<JobDto> UpdateAsync(Guid id, UpdateJobRequest request, string actor, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ManageMigration, ct); // issue 12: the caller's rights now
        var errors = new Dictionary<string, List<string>>();
        if (request.Source is not null)
        {
            ValidateServer("source", request.Source, errors);
        }

        if (request.Destination is not null)
        {
            ValidateServer("destination", request.Destination, errors);
        }

        CheckAllowedServers(request.Source, request.Destination, errors); // issue 12: Ligbox:Network:AllowedHosts

        ValidateCommon(request.Name, request.TicketId, request.Options, errors);
        if (request.Engine is { } engine && !Enum.IsDefined(engine)) { errors.Add("engine", $"Choose one of {string.Join(", ", Enum.GetNames<SyncEngineKind>())}."); } // issue 12
        ValidateLanguage(request.Language, errors);
        ValidationFailedException.ThrowIfAny(errors);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.SingleOrDefaultAsync(j => j.Id == id, ct) ?? throw new NotFoundException("Job", id);
        if (await db.Runs.AnyAsync(r => r.JobId == id && (r.Status == Runs.RunStatus.Queued || r.Status == Runs.RunStatus.Running), ct))
        {
            throw new DomainException("A run of this job is active; change its settings when the run has ended (or cancel it).");
        }

        var adminErrors = new Dictionary<string, List<string>>();
        if (request.Source is not null)
        {
            ValidateAdmin("source", request.Source, job.HasSource ? job.Source : null, adminErrors);
        }

        if (request.Destination is not null)
        {
            ValidateAdmin("destination", request.Destination, job.Destination, adminErrors);
        }

        ValidationFailedException.ThrowIfAny(adminErrors);
        var before = ToDto(job, 0);
        job.Update(request.Name, request.TicketId, request.Source is null ? null : WithAdmin(request.Source, job.HasSource ? job.Source : null),
            request.Destination is null ? null : WithAdmin(request.Destination, job.Destination), request.Engine,
            request.Options?.ToOptions(), clock.GetUtcNow().UtcDateTime);
        if (!string.IsNullOrWhiteSpace(request.Language))
        {
            job.SetLanguage(request.Language, clock.GetUtcNow().UtcDateTime);
        }

        var changes = Changes(before, ToDto(job, 0));
        foreach (var (what, model) in new[] { ("source", request.Source), ("destination", request.Destination) })
        {
            if (!string.IsNullOrEmpty(model?.AdminPassword))
            {
                changes.Add($"{what} admin password set"); // never the password itself
            }
        }
        if (changes.Count > 0)
        {
            // In words, field by field (job settings hold no secret: passwords belong to mailboxes).
            audit.Add(db, actor, "job.updated", "job", job.Id, new { changes }, job.Id);
        }

        await db.SaveChangesAsync(ct);
        if (changes.Count > 0)
        {
            // A changed server, engine or option revokes an approval that was given for the old ones.
            await gate.EvaluateAsync(id, ct);
        }

        return await GetAsync(id, ct);
    }

    private static List<string> Changes(JobDto a, JobDto b)
    {
        var changes = new List<string>();
        void Compare(string what, string? x, string? y)
        {
            if (x != y)
            {
                changes.Add($"{what} changed from {(string.IsNullOrEmpty(x) ? "(none)" : x)} to {(string.IsNullOrEmpty(y) ? "(none)" : y)}");
            }
        }

        static string? Server(ServerEndpointModel? s) => s is null ? null : $"{s.Host}:{s.Port} {s.Security} {s.Auth}";
        Compare("name", a.Name, b.Name);
        Compare("ticket", a.TicketId, b.TicketId);
        Compare("source server", Server(a.Source), Server(b.Source));
        Compare("destination server", Server(a.Destination), Server(b.Destination));
        // The pinned certificates are audited by fingerprint: who trusted which certificate, and when.
        Compare("source certificate pin (SHA-256)", a.Source?.CertificateSha256, b.Source?.CertificateSha256);
        Compare("destination certificate pin (SHA-256)", a.Destination.CertificateSha256, b.Destination.CertificateSha256);
        static string? Admin(ServerEndpointModel? s) => string.IsNullOrEmpty(s?.AdminLogin) ? null : $"{s.AdminLogin} ({s.AdminMode})";
        Compare("source admin login", Admin(a.Source), Admin(b.Source));
        Compare("destination admin login", Admin(a.Destination), Admin(b.Destination));
        Compare("engine", a.Engine.ToString(), b.Engine.ToString());
        Compare("report language", a.Language, b.Language);
        Compare("folders included", string.Join(", ", a.Options.IncludeFolders), string.Join(", ", b.Options.IncludeFolders));
        Compare("folders left out", string.Join(", ", a.Options.ExcludeFolders), string.Join(", ", b.Options.ExcludeFolders));
        Compare("folder mappings", string.Join(", ", a.Options.FolderMappings.Select(kv => kv.Key + " → " + kv.Value)),
            string.Join(", ", b.Options.FolderMappings.Select(kv => kv.Key + " → " + kv.Value)));
        Compare("date window (days)", a.Options.MaxMessageAgeDays?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            b.Options.MaxMessageAgeDays?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Compare("mirroring deletions on the final sync", a.Options.MirrorOnFinal ? "on" : "off", b.Options.MirrorOnFinal ? "on" : "off");
        static string? Number(double? n) => n?.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Compare("mailboxes at once", Number(a.Options.MaxConcurrentMailboxes), Number(b.Options.MaxConcurrentMailboxes));
        Compare("messages per second", Number(a.Options.MaxMessagesPerSecond), Number(b.Options.MaxMessagesPerSecond));
        Compare("bytes per second", Number(a.Options.MaxBytesPerSecond), Number(b.Options.MaxBytesPerSecond));
        return changes;
    }

    public async Task<JobDto> CancelAsync(Guid id, string? reason, string actor, CancellationToken ct = default)
    {
        await Security.RightsGuard.RequireAsync(dbFactory, Security.Right.ManageMigration, ct); // issue 12: the caller's rights now
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.SingleOrDefaultAsync(j => j.Id == id, ct) ?? throw new NotFoundException("Job", id);
        job.Cancel(reason ?? $"Cancelled by {actor}", clock.GetUtcNow().UtcDateTime);
        audit.Add(db, actor, "job.cancelled", "job", job.Id, new { reason }, job.Id);
        await db.SaveChangesAsync(ct);
        // A cancelled job's scheduled delta syncs stop with it.
        await schedules.RemoveAsync(id, ct);
        return await GetAsync(id, ct);
    }

    private static void ValidateLanguage(string? language, Dictionary<string, List<string>> errors)
    {
        if (!string.IsNullOrWhiteSpace(language) && Accounts.UserLanguages.Normalize(language) is null)
        {
            errors.Add("language", "Choose the report's language: en (English) or pt (Portuguese).");
        }
    }

    /// <summary>
    /// A new job's language: the one asked for, else the creator's profile language, else the request's (the culture
    /// the console or API call runs in), else English.
    /// </summary>
    private static async Task<string> DefaultLanguageAsync(LigboxDbContext db, string? asked, string actor, CancellationToken ct)
    {
        if (Accounts.UserLanguages.Normalize(asked) is { } chosen)
        {
            return chosen;
        }

        var profile = await db.Users.AsNoTracking().Where(u => u.UserName == actor || u.Email == actor).Select(u => u.Language).FirstOrDefaultAsync(ct);
        return Accounts.UserLanguages.Normalize(profile)
            ?? Accounts.UserLanguages.Normalize(System.Globalization.CultureInfo.CurrentUICulture.Name)
            ?? Accounts.UserLanguages.English;
    }

    public string? TicketUrl(string? ticketId)
    {
        var template = options.Value.TicketUrlTemplate;
        return string.IsNullOrWhiteSpace(ticketId) || string.IsNullOrWhiteSpace(template)
            ? null
            : template.Replace("{ticket}", Uri.EscapeDataString(ticketId), StringComparison.Ordinal);
    }

    private JobDto ToDto(MigrationJob j, int mailboxCount) => new(j.Id, j.Domain, j.Name, j.TicketId, TicketUrl(j.TicketId), j.Phase, j.PhaseReason,
        j.HasSource ? ServerEndpointModel.From(j.Source) : null, ServerEndpointModel.From(j.Destination), j.Engine, JobOptionsModel.From(j.Options), mailboxCount,
        j.CreatedBy, j.CreatedAtUtc, j.UpdatedAtUtc, j.Language);

    private void CheckAllowedServers(ServerEndpointModel? source, ServerEndpointModel? destination, Dictionary<string, List<string>> errors)
    {
        var allowed = options.Value.Network.AllowedHosts;
        foreach (var (field, server) in new[] { ("source", source), ("destination", destination) })
        {
            if (server is not null && Security.NetworkAllowList.Problem(allowed, field + " server", server.Host?.Trim().ToLowerInvariant(), server.Port) is { } problem)
            {
                errors.Add($"{field}.host", problem);
            }
        }
    }

    /// <summary>The server checks of create and update (Test connection checks unsaved settings with them too).</summary>
    internal static void ValidateServer(string field, ServerEndpointModel? server, Dictionary<string, List<string>> errors)
    {
        if (server is null)
        {
            errors.Add(field, "is required.");
            return;
        }

        var host = (server.Host ?? "").Trim().ToLowerInvariant();
        if (!HostPattern().IsMatch(host))
        {
            errors.Add($"{field}.host", "Enter the IMAP server's host name or IP address, e.g. imap.example.com.");
        }

        if (server.Port is < 1 or > 65535)
        {
            errors.Add($"{field}.port", "The port must be between 1 and 65535 (IMAP: 143, IMAPS: 993).");
        }

        if (!Enum.IsDefined(server.Security))
        {
            errors.Add($"{field}.security", "Choose None, StartTls or Ssl.");
        }

        if (!Enum.IsDefined(server.Auth))
        {
            errors.Add($"{field}.auth", "Choose Plain, Login or XOAuth2.");
        }

        if (!string.IsNullOrWhiteSpace(server.CertificateSha256))
        {
            if (!Tools.NativeImap.CertificatePin.TryNormalize(server.CertificateSha256, out _))
            {
                errors.Add($"{field}.certificateSha256",
                    "Paste the certificate's SHA-256 fingerprint as Test connection showed it: 64 hex digits (colons allowed), or leave it empty.");
            }
            else if (server.Security == ImapSecurityMode.None)
            {
                errors.Add($"{field}.certificateSha256", "A pinned certificate needs SSL/TLS or STARTTLS; with no encryption there is no certificate.");
            }
        }
    }

    /// <summary>The endpoint with its admin password encrypted; a change without a password keeps the stored one.</summary>
    private ServerEndpoint WithAdmin(ServerEndpointModel model, ServerEndpoint? current)
    {
        var endpoint = model.ToEndpoint();
        if (endpoint.AdminLogin is null)
        {
            return endpoint;
        }

        return endpoint with
        {
            AdminSecretProtected = !string.IsNullOrEmpty(model.AdminPassword) ? protector.Protect(model.AdminPassword) : current?.AdminSecretProtected,
        };
    }

    private static void ValidateAdmin(string field, ServerEndpointModel server, ServerEndpoint? current, Dictionary<string, List<string>> errors)
    {
        if (string.IsNullOrWhiteSpace(server.AdminLogin))
        {
            return;
        }

        var login = server.AdminLogin.Trim();
        if (login.Length > 320 || login.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '*' or '"') || login.StartsWith('-'))
        {
            errors.Add($"{field}.adminLogin", "Enter the admin (master user) login without spaces, quotes or '*', e.g. admin@example.com.");
        }

        if (string.IsNullOrEmpty(server.AdminPassword) && string.IsNullOrEmpty(current?.AdminSecretProtected))
        {
            errors.Add($"{field}.adminPassword", "Enter the admin's password (it is stored encrypted and never shown again).");
        }
        else if (server.AdminPassword is { } password && (password.Length > 1024 || password.Any(c => c is '\r' or '\n' or '\0')))
        {
            errors.Add($"{field}.adminPassword", "The password is too long or contains a line break.");
        }

        if (server.Auth == ImapAuthMode.XOAuth2)
        {
            errors.Add($"{field}.adminLogin", "An admin login uses a password (PLAIN or LOGIN), not XOAUTH2.");
        }

        if (!Enum.IsDefined(server.AdminMode))
        {
            errors.Add($"{field}.adminMode", "Choose MasterUser or ProxyAuth.");
        }
    }

    private static void ValidateCommon(string? name, string? ticketId, JobOptionsModel? options, Dictionary<string, List<string>> errors)
    {
        if (name is { Length: > 200 })
        {
            errors.Add("name", "must be 200 characters or fewer.");
        }

        if (ticketId is { Length: > 100 })
        {
            errors.Add("ticketId", "must be 100 characters or fewer.");
        }

        if (options?.MaxMessageAgeDays is <= 0)
        {
            errors.Add("options.maxMessageAgeDays", "must be a positive number of days, or empty to copy everything.");
        }

        if (options?.MaxConcurrentMailboxes is < 1 or > 1000)
        {
            errors.Add("options.maxConcurrentMailboxes", "must be between 1 and 1000 mailboxes at once, or empty for no job limit.");
        }

        if (options?.MaxMessagesPerSecond is { } rate && (rate <= 0 || !double.IsFinite(rate)))
        {
            errors.Add("options.maxMessagesPerSecond", "must be a positive number of messages per second, or empty for no limit.");
        }

        if (options?.MaxBytesPerSecond is <= 0)
        {
            errors.Add("options.maxBytesPerSecond", "must be a positive number of bytes per second, or empty for no limit.");
        }
    }
}
