using Ligbox.Core.Jobs;
using Ligbox.Core.Persistence;
using Ligbox.Core.Security;
using Ligbox.Tools.NativeImap;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Mailboxes;

/// <summary>
/// What "Test connection" tries: the job's servers with these logins and passwords. Members left out come from
/// <see cref="MailboxId"/>'s stored ones (so a fixed password can be tried before it is saved).
/// </summary>
public sealed record ConnectionTestRequest
{
    public Guid? MailboxId { get; set; }
    public string? SourceUser { get; set; }
    public string? SourcePassword { get; set; }
    public string? DestUser { get; set; }
    public string? DestPassword { get; set; }
}

/// <summary>
/// The answer in plain words, one line per side (never with a password). When a side's TLS certificate was refused,
/// its SHA-256 fingerprint (colon-separated) is given so the technician can confirm it with the server's
/// administrator and pin it in the job's server settings.
/// </summary>
public sealed record ConnectionTestResult(bool Succeeded, string Source, string Destination,
    string? SourceCertificateSha256 = null, string? DestinationCertificateSha256 = null);

/// <summary>Logs in to both sides with the given values before anything is saved (the native engine's pre-flight).</summary>
public sealed class ConnectionTestService(IDbContextFactory<LigboxDbContext> dbFactory, SecretProtector protector, IImapSyncEngine engine,
    Microsoft.Extensions.Options.IOptions<Storage.LigboxOptions> ligboxOptions)
{
    public async Task<ConnectionTestResult> TestAsync(Guid jobId, ConnectionTestRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await RightsGuard.RequireAsync(dbFactory, Right.ManageMigration, ct); // issue 12: the caller's rights now
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.AsNoTracking().Include(j => j.Mailboxes).SingleOrDefaultAsync(j => j.Id == jobId, ct) ?? throw new NotFoundException("Job", jobId);
        // Test connection reaches out like a run does: the same allow-list (issue 12: Ligbox:Network:AllowedHosts).
        foreach (var (what, server) in new[] { ("source server", job.HasSource ? job.Source : null), ("destination server", job.Destination) })
        {
            if (server is not null && NetworkAllowList.Problem(ligboxOptions.Value.Network.AllowedHosts, what, server.Host, server.Port) is { } refused)
            {
                throw new DomainException(refused);
            }
        }

        var stored = request.MailboxId is { } id ? job.Mailboxes.SingleOrDefault(m => m.Id == id) ?? throw new NotFoundException("Mailbox", id) : null;
        var sourceUser = request.SourceUser ?? stored?.SourceLogin;
        var destUser = request.DestUser ?? stored?.DestinationLogin;
        var sourcePassword = request.SourcePassword ?? (stored is null ? null : protector.Unprotect(stored.SourceSecretProtected));
        var destPassword = request.DestPassword ?? (stored is null ? null : protector.Unprotect(stored.DestinationSecretProtected));
        var errors = new Dictionary<string, List<string>>();
        if (string.IsNullOrWhiteSpace(destUser) || string.IsNullOrEmpty(destPassword))
        {
            errors.Add("destUser", "Give the destination login and password (or a mailbox whose stored ones to use).");
        }

        if (job.HasSource && (string.IsNullOrWhiteSpace(sourceUser) || string.IsNullOrEmpty(sourcePassword)))
        {
            errors.Add("sourceUser", "Give the source login and password (or a mailbox whose stored ones to use).");
        }

        ValidationFailedException.ThrowIfAny(errors);
        var destination = Runs.SyncHandlerSupport.Endpoint(job.Destination, destUser!, destPassword!);
        // A PST/mbox-only job has no source: the destination is tried against itself.
        var source = job.HasSource ? Runs.SyncHandlerSupport.Endpoint(job.Source, sourceUser!, sourcePassword!) : destination;
        var result = await engine.PreflightAsync(source, destination, null, ct);
        string Side(ImapSide side, ServerEndpoint server, string user) =>
            result.Failures.Where(f => f.Side == side).Select(f => f.Message).FirstOrDefault()
            ?? $"Logged in to {server.Host}:{server.Port} as {user}.";
        string? Certificate(ImapSide side) =>
            result.Failures.Where(f => f.Side == side).Select(f => f.CertificateSha256).FirstOrDefault(c => c is not null) is { } seen
                ? CertificatePin.Display(seen)
                : null;
        return new ConnectionTestResult(result.Succeeded,
            job.HasSource ? Side(ImapSide.Source, job.Source, sourceUser!) : "No source server: this job takes PST/mbox imports only.",
            Side(ImapSide.Destination, job.Destination, destUser!),
            job.HasSource ? Certificate(ImapSide.Source) : null,
            Certificate(ImapSide.Destination));
    }
}
