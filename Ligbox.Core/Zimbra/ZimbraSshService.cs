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
public sealed record ZimbraSshSettingsInput(string Host, int Port, string User, string? PrivateKey, string? Password, string HostKeySha256, string? Zmmailbox = null);

/// <summary>What is shown of the settings: never the key or the password.</summary>
public sealed record ZimbraSshSettingsView(string Host, int Port, string User, bool HasPrivateKey, bool HasPassword, string HostKeySha256, string Zmmailbox,
    string ConfirmedBy, DateTime ConfirmedAtUtc);

/// <summary>Start an export over SSH into a mailbox.</summary>
/// <param name="Account">The Zimbra account; default the mailbox's source login.</param>
/// <param name="Query">An optional Zimbra search narrowing the export (a delta window, e.g. <c>after:11/30/2026</c>).</param>
/// <param name="RootFolder">Ordinary folders go under this destination folder; empty = merged at the top level.</param>
public sealed record ZimbraExportStart(string? Account = null, string? Query = null, string? RootFolder = ZimbraImportService.DefaultRootFolder);

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

        var previous = store.Read(jobId);
        var key = input.PrivateKey is { Length: > 0 } k ? protector.Protect(k) : previous?.ProtectedKey;
        var password = input.Password is { Length: > 0 } p ? protector.Protect(p) : previous?.ProtectedPassword;
        if (key is null && password is null)
        {
            throw Invalid("privateKey", "Give a private key or a password for the SSH login.");
        }

        var stored = new ZimbraSshStore.Stored(input.Host.Trim(), input.Port, input.User.Trim(), key, password, hostKey,
            string.IsNullOrWhiteSpace(input.Zmmailbox) ? ZimbraSshTarget.DefaultZmmailbox : input.Zmmailbox.Trim(), actor, clock.GetUtcNow().UtcDateTime);
        await store.WriteAsync(jobId, stored, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        audit.Add(db, actor, "zimbra.ssh.saved", "job", jobId,
            new { host = stored.Host, port = stored.Port, user = stored.User, hostKey = stored.HostKeySha256, zmmailbox = stored.Zmmailbox, privateKey = key is not null, password = password is not null }, jobId);
        await db.SaveChangesAsync(ct);
        return View(stored);
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

    /// <summary>The server as a run uses it (secrets decrypted); <c>null</c> when the job has none.</summary>
    public ZimbraSshTarget? Target(Guid jobId) => Read(jobId) is { } s
        ? new ZimbraSshTarget(s.Host, s.Port, s.User, s.ProtectedKey is null ? null : protector.Unprotect(s.ProtectedKey),
            s.ProtectedPassword is null ? null : protector.Unprotect(s.ProtectedPassword), s.HostKeySha256, s.Zmmailbox)
        : null;

    private string FileOf(Guid jobId) => Path.Combine(data.Root, "zimbra-ssh", $"{jobId}.json");

    internal sealed record Stored(string Host, int Port, string User, string? ProtectedKey, string? ProtectedPassword, string HostKeySha256, string Zmmailbox,
        string ConfirmedBy, DateTime ConfirmedAtUtc);
}
