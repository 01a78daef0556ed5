using Ligbox.Core.Audit;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Core.Security;
using Ligbox.Core.Storage;
using Ligbox.Tools.Zimbra;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Zimbra;

/// <summary>A job's Zimbra server over SSH, as entered. <paramref name="HostKeySha256"/> is the fingerprint the technician confirmed (from the probe).</summary>
/// <param name="Host">The Zimbra server.</param>
/// <param name="Port">Its SSH port (22).</param>
/// <param name="User">The SSH user allowed to run zmmailbox (usually <c>zimbra</c>).</param>
/// <param name="PrivateKey">An OpenSSH/PEM private key; or <c>null</c> with a password. Omitted on an update = keep the stored one.</param>
/// <param name="Password">The password (or the key's passphrase). Omitted on an update = keep the stored one.</param>
/// <param name="HostKeySha256">The confirmed host key fingerprint, <c>SHA256:...</c>.</param>
/// <param name="Zmmailbox">The zmmailbox command; default <c>/opt/zimbra/bin/zmmailbox</c>.</param>
/// <param name="ReplaceSecrets"><c>true</c>: the key and password given replace both stored ones (one omitted is forgotten), e.g. to go from a key to a password login.</param>
public sealed record ZimbraSshSettingsInput(string Host, int Port, string User, string? PrivateKey, string? Password, string HostKeySha256, string? Zmmailbox = null,
    bool ReplaceSecrets = false);

/// <summary>What is shown of the settings: never the key or the password.</summary>
public sealed record ZimbraSshSettingsView(string Host, int Port, string User, bool HasPrivateKey, bool HasPassword, string HostKeySha256, string Zmmailbox,
    string ConfirmedBy, DateTime ConfirmedAtUtc);

/// <summary>Start an export over SSH into a mailbox.</summary>
/// <param name="Account">The Zimbra account; default the mailbox's source login.</param>
/// <param name="Query">An optional Zimbra search narrowing the export (a delta window, e.g. <c>after:11/30/2026</c>).</param>
/// <param name="RootFolder">Ordinary folders go under this destination folder; empty = merged at the top level.</param>
public sealed record ZimbraExportStart(string? Account = null, string? Query = null, string? RootFolder = ZimbraImportService.DefaultRootFolder);

/// <summary>"Export all" of a job's mailboxes over SSH.</summary>
/// <param name="OnlyWithoutImport"><c>true</c>: only mailboxes without a Zimbra import that succeeded; <c>false</c>: every mailbox again.</param>
/// <param name="Query">An optional Zimbra search for every export (a delta window, e.g. <c>after:11/30/2026</c>).</param>
/// <param name="RootFolder">Ordinary folders go under this destination folder; empty = merged at the top level.</param>
public sealed record ZimbraExportAll(bool OnlyWithoutImport = true, string? Query = null, string? RootFolder = ZimbraImportService.DefaultRootFolder);

/// <summary>One mailbox's export queued by "Export all".</summary>
public sealed record ZimbraExportQueued(Guid MailboxId, string Account, Guid RunId);

/// <summary>A mailbox "Export all" left out, and why.</summary>
public sealed record ZimbraExportSkipped(Guid MailboxId, string Account, string Reason);

/// <summary>What "Export all" queued and left out.</summary>
public sealed record ZimbraExportBatch(IReadOnlyList<ZimbraExportQueued> Queued, IReadOnlyList<ZimbraExportSkipped> Skipped);

/// <summary>One run of an "Export all" as it is now.</summary>
public sealed record ZimbraExportProgress(Guid RunId, string Account, RunStatus Status, string? Message);


/// <summary>
/// The Zimbra-over-SSH setting of a job and the export runs that use it. The setting is kept in one file per job
/// (<c>zimbra-ssh/{job}.json</c>, mode 0600; this service is its only writer) with the key and the password
/// encrypted by the same <see cref="SecretProtector"/> as the mail passwords. The host key is pinned: the
/// technician probes the server, checks the fingerprint and saves it with the settings; a run refuses any other key.
/// </summary>
public sealed class ZimbraSshService(
    IDbContextFactory<LigboxDbContext> dbFactory,
    ZimbraSshExporter exporter,
    ZimbraSshStore store,
    SecretProtector protector,
    DataDirectory data,
    AuditLog audit,
    RunScheduler scheduler,
    RunProgressNotifier notifier,
    TimeProvider clock)
{
    /// <summary>The server's host key fingerprint, for the technician to confirm before saving.</summary>
    /// <exception cref="NotFoundException">No such job.</exception>
    /// <exception cref="ValidationFailedException">Bad host or port, or the server cannot be reached.</exception>
    public async Task<string> ProbeHostKeyAsync(Guid jobId, string host, int port, CancellationToken ct = default)
    {
        await RightsGuard.RequireAsync(dbFactory, Right.ManageMigration, ct);
        await RequireJobAsync(jobId, ct);
        ValidateEndpoint(host, port);
        try
        {
            return await exporter.ProbeHostKeyAsync(host.Trim(), port, ct);
        }
        catch (ZimbraSshException ex)
        {
            throw Invalid("host", ex.Message);
        }
    }

    /// <summary>Saves the setting (secrets encrypted; omitted secrets keep the stored ones) with the confirmed host key.</summary>
    /// <exception cref="NotFoundException">No such job.</exception>
    /// <exception cref="ValidationFailedException">A field is missing or malformed.</exception>
    public async Task<ZimbraSshSettingsView> SaveAsync(Guid jobId, ZimbraSshSettingsInput input, string actor, CancellationToken ct = default)
    {
        await RightsGuard.RequireAsync(dbFactory, Right.ManageMigration, ct);
        ArgumentNullException.ThrowIfNull(input);
        await RequireJobAsync(jobId, ct);
        ValidateEndpoint(input.Host, input.Port);
        if (string.IsNullOrWhiteSpace(input.User))
        {
            throw Invalid("user", "Give the SSH user that may run zmmailbox (usually zimbra).");
        }

        var hostKey = input.HostKeySha256?.Trim() ?? "";
        if (!hostKey.StartsWith("SHA256:", StringComparison.Ordinal) || hostKey.Length < 20)
        {
            throw Invalid("hostKeySha256", "Confirm the server's host key: probe the server and give the SHA256:... fingerprint it shows (check it with the server's administrator).");
        }

        var previous = input.ReplaceSecrets ? null : store.Read(jobId);
        var key = input.PrivateKey is { Length: > 0 } k ? protector.Protect(k) : previous?.ProtectedKey;
        var password = input.Password is { Length: > 0 } p ? protector.Protect(p) : previous?.ProtectedPassword;
        if (key is null && password is null)
        {
            throw Invalid("privateKey", "Give a private key or a password for the SSH login.");
        }

        var stored = new ZimbraSshStore.Stored(input.Host.Trim(), input.Port, input.User.Trim(), key, password, hostKey,
            string.IsNullOrWhiteSpace(input.Zmmailbox) ? ZimbraSshTarget.DefaultZmmailbox : input.Zmmailbox.Trim(), actor, clock.GetUtcNow().UtcDateTime);
        await CheckLoginAsync(stored, ct);
        await store.WriteAsync(jobId, stored, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        audit.Add(db, actor, "zimbra.ssh.saved", "job", jobId,
            new { host = stored.Host, port = stored.Port, user = stored.User, hostKey = stored.HostKeySha256, zmmailbox = stored.Zmmailbox, privateKey = key is not null, password = password is not null }, jobId);
        await db.SaveChangesAsync(ct);
        return View(stored);
    }

    /// <summary>Forgets the job's Zimbra server (its file, key and password); export runs cannot start until it is set again.</summary>
    /// <returns><c>false</c> when the job had none.</returns>
    /// <exception cref="NotFoundException">No such job.</exception>
    public async Task<bool> RemoveAsync(Guid jobId, string actor, CancellationToken ct = default)
    {
        await RightsGuard.RequireAsync(dbFactory, Right.ManageMigration, ct);
        await RequireJobAsync(jobId, ct);
        if (store.Read(jobId) is not { } previous)
        {
            return false;
        }

        store.Delete(jobId);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        audit.Add(db, actor, "zimbra.ssh.removed", "job", jobId, new { host = previous.Host, port = previous.Port, user = previous.User }, jobId);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>The job's setting without secrets, or <c>null</c>.</summary>
    public Task<ZimbraSshSettingsView?> GetAsync(Guid jobId, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(store.Read(jobId) is { } stored ? View(stored) : null);
    }

    /// <summary>Queues a TGZ run that streams <c>zmmailbox getRestURL "//?fmt=tgz"</c> of the account over SSH into the mailbox.</summary>
    /// <exception cref="NotFoundException">No such job or mailbox.</exception>
    /// <exception cref="ValidationFailedException">The job has no Zimbra server over SSH.</exception>
    public async Task<Guid> StartExportAsync(Guid jobId, Guid mailboxId, ZimbraExportStart request, string actor, CancellationToken ct = default)
    {
        await RightsGuard.RequireAsync(dbFactory, Right.ManageMigration, ct);
        ArgumentNullException.ThrowIfNull(request);
        if (store.Read(jobId) is null)
        {
            throw Invalid("zimbraSsh", "This job has no Zimbra server over SSH: set it (host, user, key or password, confirmed host key) first.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.Include(j => j.Mailboxes).SingleOrDefaultAsync(j => j.Id == jobId, ct) ?? throw new NotFoundException("Job", jobId);
        var mailbox = job.Mailboxes.SingleOrDefault(m => m.Id == mailboxId) ?? throw new NotFoundException("Mailbox", mailboxId);
        var account = string.IsNullOrWhiteSpace(request.Account) ? mailbox.SourceLogin : request.Account.Trim();
        var root = string.IsNullOrWhiteSpace(request.RootFolder) ? null : request.RootFolder.Trim();
        var query = string.IsNullOrWhiteSpace(request.Query) ? null : request.Query.Trim();
        var run = new Run(jobId, RunKind.Tgz, RunTrigger.Manual, actor, clock.GetUtcNow().UtcDateTime);
        db.Runs.Add(run);
        db.Add(new RunMailbox(run.Id, mailboxId, mailbox.SourceLogin));
        await ZimbraRunFiles.WriteParametersAsync(data, jobId, run.Id, new ZimbraRunParameters(mailboxId, null, $"zmmailbox {account}", root, query, account), ct);
        audit.Add(db, actor, "zimbra.export.started", "run", run.Id, new { mailboxId, account, query, rootFolder = root }, jobId);
        await db.SaveChangesAsync(ct);
        await scheduler.ScheduleAsync(run.Id, ct);
        notifier.RunChanged(jobId, run.Id);
        return run.Id;
    }

    /// <summary>
    /// "Export all": one TGZ run over SSH per mailbox of the job (not excluded), each on the one run pipeline like
    /// <see cref="StartExportAsync"/> with the mailbox's source login as the Zimbra account. With
    /// <see cref="ZimbraExportAll.OnlyWithoutImport"/> a mailbox that already has a Zimbra import that succeeded is
    /// left out; a mailbox with one queued or running is always left out (never two into one mailbox at once).
    /// </summary>
    /// <exception cref="NotFoundException">No such job.</exception>
    /// <exception cref="ValidationFailedException">The job has no Zimbra server over SSH, or no mailbox to export.</exception>
    public async Task<ZimbraExportBatch> StartExportAllAsync(Guid jobId, ZimbraExportAll request, string actor, CancellationToken ct = default)
    {
        await RightsGuard.RequireAsync(dbFactory, Right.ManageMigration, ct);
        ArgumentNullException.ThrowIfNull(request);
        if (store.Read(jobId) is null)
        {
            throw Invalid("zimbraSsh", "This job has no Zimbra server over SSH: set it (host, user, key or password, confirmed host key) first.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.Include(j => j.Mailboxes).SingleOrDefaultAsync(j => j.Id == jobId, ct) ?? throw new NotFoundException("Job", jobId);
        var mailboxes = job.Mailboxes.Where(m => !m.Excluded).OrderBy(m => m.SourceLogin, StringComparer.OrdinalIgnoreCase).ToList();
        if (mailboxes.Count == 0)
        {
            throw Invalid("mailboxes", "This job has no mailbox to export into (add mailboxes, or include the excluded ones).");
        }

        var ids = mailboxes.Select(m => m.Id).ToList();
        var imports = await (from rm in db.Set<RunMailbox>().AsNoTracking()
                             join r in db.Runs.AsNoTracking() on rm.RunId equals r.Id
                             where r.JobId == jobId && r.Kind == RunKind.Tgz && ids.Contains(rm.MailboxId)
                             select new { rm.MailboxId, r.Status }).ToListAsync(ct);
        var active = imports.Where(i => i.Status is RunStatus.Queued or RunStatus.Running or RunStatus.Resuming).Select(i => i.MailboxId).ToHashSet();
        var done = imports.Where(i => i.Status == RunStatus.Succeeded).Select(i => i.MailboxId).ToHashSet();
        var root = string.IsNullOrWhiteSpace(request.RootFolder) ? null : request.RootFolder.Trim();
        var query = string.IsNullOrWhiteSpace(request.Query) ? null : request.Query.Trim();
        var now = clock.GetUtcNow().UtcDateTime;
        var queued = new List<ZimbraExportQueued>();
        var skipped = new List<ZimbraExportSkipped>();
        foreach (var mailbox in mailboxes)
        {
            if (active.Contains(mailbox.Id))
            {
                skipped.Add(new(mailbox.Id, mailbox.SourceLogin, "A Zimbra import into this mailbox is queued or running."));
                continue;
            }

            if (request.OnlyWithoutImport && done.Contains(mailbox.Id))
            {
                skipped.Add(new(mailbox.Id, mailbox.SourceLogin, "This mailbox already has a Zimbra import that succeeded."));
                continue;
            }

            var run = new Run(jobId, RunKind.Tgz, RunTrigger.Manual, actor, now);
            db.Runs.Add(run);
            db.Add(new RunMailbox(run.Id, mailbox.Id, mailbox.SourceLogin));
            await ZimbraRunFiles.WriteParametersAsync(data, jobId, run.Id,
                new ZimbraRunParameters(mailbox.Id, null, $"zmmailbox {mailbox.SourceLogin}", root, query, mailbox.SourceLogin), ct);
            queued.Add(new(mailbox.Id, mailbox.SourceLogin, run.Id));
        }

        if (queued.Count == 0)
        {
            return new ZimbraExportBatch(queued, skipped);
        }

        audit.Add(db, actor, "zimbra.export.all_started", "job", jobId,
            new { mailboxes = queued.Count, skipped = skipped.Count, onlyWithoutImport = request.OnlyWithoutImport, query, rootFolder = root }, jobId);
        await db.SaveChangesAsync(ct);
        foreach (var item in queued)
        {
            await scheduler.ScheduleAsync(item.RunId, ct);
            notifier.RunChanged(jobId, item.RunId);
        }

        return new ZimbraExportBatch(queued, skipped);
    }

    /// <summary>Where the runs of an "Export all" are: each run's status and bytes read so far, for the progress shown on the job page.</summary>
    public async Task<IReadOnlyList<ZimbraExportProgress>> GetExportProgressAsync(IReadOnlyCollection<Guid> runIds, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ids = runIds.ToList();
        var rows = await (from rm in db.Set<RunMailbox>().AsNoTracking()
                          join r in db.Runs.AsNoTracking() on rm.RunId equals r.Id
                          where ids.Contains(r.Id)
                          select new { r.Id, rm.SourceLogin, r.Status, r.Message }).ToListAsync(ct);
        return rows.OrderBy(r => r.SourceLogin, StringComparer.OrdinalIgnoreCase).Select(r => new ZimbraExportProgress(r.Id, r.SourceLogin, r.Status, r.Message)).ToList();
    }

    /// <summary>
    /// Before anything is saved: logs in with what would be stored (host key pinned) and checks zmmailbox is there
    /// for that user; a wrong key, user, password, host key or zmmailbox path is refused on its field in plain words.
    /// </summary>
    private async Task CheckLoginAsync(ZimbraSshStore.Stored s, CancellationToken ct)
    {
        var target = new ZimbraSshTarget(s.Host, s.Port, s.User, s.ProtectedKey is null ? null : protector.Unprotect(s.ProtectedKey),
            s.ProtectedPassword is null ? null : protector.Unprotect(s.ProtectedPassword), s.HostKeySha256, s.Zmmailbox);
        try
        {
            await exporter.CheckLoginAsync(target, ct);
        }
        catch (ZimbraSshException ex)
        {
            throw Invalid(ex.Failure switch
            {
                ZimbraSshFailure.HostKey => "hostKeySha256",
                ZimbraSshFailure.UnreadableKey => "privateKey",
                ZimbraSshFailure.Login => target.PrivateKey is null ? "password" : "privateKey",
                ZimbraSshFailure.Zmmailbox => "zmmailbox",
                _ => "host",
            }, ex.Message);
        }
    }

    private static ZimbraSshSettingsView View(ZimbraSshStore.Stored s) =>
        new(s.Host, s.Port, s.User, s.ProtectedKey is not null, s.ProtectedPassword is not null, s.HostKeySha256, s.Zmmailbox, s.ConfirmedBy, s.ConfirmedAtUtc);

    private async Task RequireJobAsync(Guid jobId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Jobs.AnyAsync(j => j.Id == jobId, ct))
        {
            throw new NotFoundException("Job", jobId);
        }
    }

    private static void ValidateEndpoint(string? host, int port)
    {
        if (string.IsNullOrWhiteSpace(host) || host.Trim().Any(c => char.IsWhiteSpace(c) || c is '/' or '@'))
        {
            throw Invalid("host", "Give the Zimbra server's host name or address.");
        }

        if (port is < 1 or > 65535)
        {
            throw Invalid("port", "The SSH port must be between 1 and 65535.");
        }
    }

    private static ValidationFailedException Invalid(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] });

}

/// <summary>
/// The file of a job's Zimbra SSH setting (<c>zimbra-ssh/{job}.json</c>, 0600): written by <see cref="ZimbraSshService"/> only,
/// read by it and by the runs (<see cref="ZimbraSources"/>), the key and password encrypted with <see cref="SecretProtector"/>.
/// </summary>
public sealed class ZimbraSshStore(DataDirectory data, SecretProtector protector)
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web);

    internal Stored? Read(Guid jobId)
    {
        var path = FileOf(jobId);
        return File.Exists(path) ? System.Text.Json.JsonSerializer.Deserialize<Stored>(File.ReadAllText(path), Json) : null;
    }

    internal async Task WriteAsync(Guid jobId, Stored settings, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FileOf(jobId))!);
        await PrivateFile.WriteTextAsync(FileOf(jobId), System.Text.Json.JsonSerializer.Serialize(settings, Json), ct);
    }

    internal void Delete(Guid jobId) => File.Delete(FileOf(jobId));

    /// <summary>The server as a run uses it (secrets decrypted); <c>null</c> when the job has none.</summary>
    public ZimbraSshTarget? Target(Guid jobId) => Read(jobId) is { } s
        ? new ZimbraSshTarget(s.Host, s.Port, s.User, s.ProtectedKey is null ? null : protector.Unprotect(s.ProtectedKey),
            s.ProtectedPassword is null ? null : protector.Unprotect(s.ProtectedPassword), s.HostKeySha256, s.Zmmailbox)
        : null;

    private string FileOf(Guid jobId) => Path.Combine(data.Root, "zimbra-ssh", $"{jobId}.json");

    internal sealed record Stored(string Host, int Port, string User, string? ProtectedKey, string? ProtectedPassword, string HostKeySha256, string Zmmailbox,
        string ConfirmedBy, DateTime ConfirmedAtUtc);
}
