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

    /// <summary>A source server to try instead of the job's saved one (test changed settings before saving them); null: the saved one.</summary>
    public ServerEndpointModel? Source { get; set; }

    /// <summary>A destination server to try instead of the job's saved one; null: the saved one.</summary>
    public ServerEndpointModel? Destination { get; set; }
}

/// <summary>
/// The answer in plain words, one line per side (never with a password). When a side's TLS certificate was refused,
/// its SHA-256 fingerprint (colon-separated) is given so the technician can confirm it with the server's
/// administrator and pin it in the job's server settings.
/// </summary>
public sealed record ConnectionTestResult(bool Succeeded, string Source, string Destination,
    string? SourceCertificateSha256 = null, string? DestinationCertificateSha256 = null)
{
    /// <summary>Whether the source login worked; null when the job has no source server (PST/mbox imports only).</summary>
    public bool? SourceSucceeded { get; init; }

    /// <summary>Whether the destination login worked (one side can log in while the other fails).</summary>
    public bool DestinationSucceeded { get; init; }
}

/// <summary>Logs in to both sides with the given values before anything is saved (the native engine's pre-flight).</summary>
public sealed class ConnectionTestService(IDbContextFactory<LigboxDbContext> dbFactory, SecretProtector protector, IImapSyncEngine engine,
    Microsoft.Extensions.Options.IOptions<Storage.LigboxOptions> ligboxOptions)
{
    public async Task<ConnectionTestResult> TestAsync(Guid jobId, ConnectionTestRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await RightsGuard.RequireAsync(dbFactory, Right.ManageMigration, ct); // issue 12: the caller's rights now
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId, ct) ?? throw new NotFoundException("Job", jobId);
        var stored = request.MailboxId is { } id
            ? await db.Mailboxes.AsNoTracking().SingleOrDefaultAsync(m => m.Id == id && m.JobId == jobId, ct) ?? throw new NotFoundException("Mailbox", id)
            : null;
        var source = request.Source is { } s ? WithAdmin(s, job.HasSource ? job.Source : null) : job.HasSource ? job.Source : null;
        var destination = request.Destination is { } d ? WithAdmin(d, job.Destination) : job.Destination;
        return await TestAsync(source, destination, request, stored, ct);
    }

    /// <summary>
    /// Test connection for servers that are not saved yet (the create form): logs in to <paramref name="request"/>'s
    /// servers with its logins and passwords; no source (null) for a PST/mbox-only job.
    /// </summary>
    public async Task<ConnectionTestResult> TestServersAsync(ConnectionTestRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await RightsGuard.RequireAsync(dbFactory, Right.ManageMigration, ct); // issue 12: the caller's rights now
        if (request.MailboxId is not null)
        {
            throw new DomainException("A mailbox's stored logins belong to a job: test them on the job (Test connection of its settings).");
        }

        if (request.Destination is null)
        {
            ValidationFailedException.ThrowIfAny(new Dictionary<string, List<string>> { ["destination"] = ["Enter the destination server."] });
        }

        return await TestAsync(request.Source is { } s ? WithAdmin(s, null) : null, WithAdmin(request.Destination!, null), request, null, ct);
    }

    /// <summary>Unsaved server settings with their admin password (typed now, or the saved one when left out), encrypted like a saved job's.</summary>
    private ServerEndpoint WithAdmin(ServerEndpointModel model, ServerEndpoint? saved)
    {
        var endpoint = model.ToEndpoint();
        return endpoint.AdminLogin is null ? endpoint : endpoint with
        {
            AdminSecretProtected = !string.IsNullOrEmpty(model.AdminPassword) ? protector.Protect(model.AdminPassword)
                : saved?.AdminLogin == endpoint.AdminLogin ? saved?.AdminSecretProtected : null,
        };
    }

    private async Task<ConnectionTestResult> TestAsync(ServerEndpoint? sourceServer, ServerEndpoint destinationServer, ConnectionTestRequest request,
        Mailbox? stored, CancellationToken ct)
    {
        var errors = new Dictionary<string, List<string>>();
        // Unsaved servers get the checks a save would make, in the same words and on the same field names.
        if (request.Source is not null)
        {
            JobService.ValidateServer("source", request.Source, errors);
        }

        if (request.Destination is not null)
        {
            JobService.ValidateServer("destination", request.Destination, errors);
        }

        ValidationFailedException.ThrowIfAny(errors);
        // Test connection reaches out like a run does: the same allow-list (issue 12: Ligbox:Network:AllowedHosts).
        foreach (var (what, server) in new[] { ("source server", sourceServer), ("destination server", destinationServer) })
        {
            if (server is not null && NetworkAllowList.Problem(ligboxOptions.Value.Network.AllowedHosts, what, server.Host, server.Port) is { } refused)
            {
                throw new DomainException(refused);
            }
        }

        var sourceUser = request.SourceUser ?? stored?.SourceLogin;
        var destUser = request.DestUser ?? stored?.DestinationLogin;
        // A side with an admin login (master user) logs in with the admin's password, not the mailbox's.
        var sourcePassword = sourceServer is { UsesAdminLogin: true } ? protector.Unprotect(sourceServer.AdminSecretProtected!)
            : request.SourcePassword ?? (stored is null ? null : protector.Unprotect(stored.SourceSecretProtected));
        var destPassword = destinationServer.UsesAdminLogin ? protector.Unprotect(destinationServer.AdminSecretProtected!)
            : request.DestPassword ?? (stored is null ? null : protector.Unprotect(stored.DestinationSecretProtected));
        if (string.IsNullOrWhiteSpace(destUser) || string.IsNullOrEmpty(destPassword))
        {
            errors.Add("destUser", "Give the destination login and password (or a mailbox whose stored ones to use).");
        }

        if (sourceServer is not null && (string.IsNullOrWhiteSpace(sourceUser) || string.IsNullOrEmpty(sourcePassword)))
        {
            errors.Add("sourceUser", "Give the source login and password (or a mailbox whose stored ones to use).");
        }

        ValidationFailedException.ThrowIfAny(errors);
        var destination = Runs.SyncHandlerSupport.Endpoint(destinationServer, destUser!, destPassword!);
        // A PST/mbox-only job has no source: the destination is tried against itself.
        var source = sourceServer is not null ? Runs.SyncHandlerSupport.Endpoint(sourceServer, sourceUser!, sourcePassword!) : destination;
        var result = await engine.PreflightAsync(source, destination, null, ct);
        string Side(ImapSide side, ServerEndpoint server, string user) =>
            result.Failures.Where(f => f.Side == side).Select(f => f.Message).FirstOrDefault()
            ?? $"Logged in to {server.Host}:{server.Port} as {user}.";
        string? Certificate(ImapSide side) =>
            result.Failures.Where(f => f.Side == side).Select(f => f.CertificateSha256).FirstOrDefault(c => c is not null) is { } seen
                ? CertificatePin.Display(seen)
                : null;
        return new ConnectionTestResult(result.Succeeded,
            sourceServer is not null ? Side(ImapSide.Source, sourceServer, sourceUser!) : "No source server: this job takes PST/mbox imports only.",
            Side(ImapSide.Destination, destinationServer, destUser!),
            sourceServer is not null ? Certificate(ImapSide.Source) : null,
            Certificate(ImapSide.Destination))
        {
            SourceSucceeded = sourceServer is null ? null : result.Failures.All(f => f.Side != ImapSide.Source),
            DestinationSucceeded = result.Failures.All(f => f.Side != ImapSide.Destination),
        };
    }
}
