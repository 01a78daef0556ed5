using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Storage;
using Ligbox.Core.Sync;
using Ligbox.Tools.Engines;
using Ligbox.Tools.NativeImap;

namespace Ligbox.Core.Runs;

/// <summary>What the pre-flight and sync handlers share: the engine requests of a job's mailboxes and running them in slots.</summary>
public sealed class SyncHandlerSupport(EngineRegistry engines, MailboxSlots slots, EfSyncStateStore state, DataDirectory dataDir, TimeProvider clock,
    OAuth.OAuthTokenSource oauthTokens)
{
    public EngineRegistry Engines => engines;

    /// <summary>The job's engine; a run fails at once, in plain words, when it cannot work on this host.</summary>
    public IMigrationEngine EngineFor(MigrationJob job)
    {
        var kind = job.Engine.ToEngineKind();
        return engines.UnavailableReason(kind) is { } reason ? throw new DomainException(reason) : engines.Get(kind);
    }

    public EngineRunContext Context(RunExecution x) => new()
    {
        JobId = x.Job.Id,
        RunId = x.Run.Id,
        RunKind = x.Run.Kind.ToString().ToLowerInvariant(),
        LogRoot = dataDir.Logs,
        State = state,
    };

    /// <summary>One request per mailbox of the run: endpoints, folder mapping, mirror on a final when the job asks, the date window.</summary>
    public List<SyncRequest> Requests(RunExecution x, SyncKind kind)
    {
        var options = x.Job.Options;
        DateTimeOffset? notBefore = options.MaxMessageAgeDays is { } days
            ? new DateTimeOffset(clock.GetUtcNow().UtcDateTime.Date.AddDays(-days), TimeSpan.Zero)
            : null;
        return x.Mailboxes.Select(m => new SyncRequest
        {
            Source = Endpoint(x.Job.Source, m.SourceLogin, x.Secrets[m.Id].Source),
            Destination = Endpoint(x.Job.Destination, m.DestinationLogin, x.Secrets[m.Id].Destination),
            Kind = kind,
            Verify = kind == SyncKind.Final,
            Mirror = kind == SyncKind.Final && options.MirrorOnFinal,
            NotBefore = notBefore,
            Mapping = Mapping(x.Job, m),
            MailboxKey = m.Id.ToString(),
            MaxMessagesPerSecond = options.MaxMessagesPerSecond,
            MaxBytesPerSecond = options.MaxBytesPerSecond,
        }).ToList();
    }

    /// <summary>
    /// Each mailbox in one of the console-wide <see cref="MailboxSlots"/>, at most the job's
    /// <see cref="JobOptions.MaxConcurrentMailboxes"/> at once; one that has to wait for a slot says so in the log.
    /// </summary>
    public Task<IReadOnlyList<T>> InSlotsAsync<T>(RunExecution x, IReadOnlyList<SyncRequest> requests, Func<SyncRequest, CancellationToken, Task<T>> one, CancellationToken ct) =>
        slots.ForEachAsync(requests, one, x.Job.Options.MaxConcurrentMailboxes,
            request => x.Line(request.Source.User,
                $"Waiting for a free mailbox slot: {slots.InUse} of {slots.Capacity} are in use across all runs (Ligbox:Runs:MaxConcurrentMailboxes)."),
            ct);

    /// <summary>
    /// One mailbox's engine call with OAuth 2.0 access tokens on the sides that log in with XOAUTH2 (issue 15): a fresh token
    /// (renewed before it expires), and when a side refuses it, one renewal and one more try. A mailbox that cannot get a
    /// token (no consent, consent revoked) fails alone, in plain words, without calling the engine.
    /// </summary>
    public async Task<T> WithOAuthTokensAsync<T>(RunExecution x, SyncRequest request, Func<SyncRequest, Task<T>> call,
        Func<T, ImapFailure?> authFailure, Func<ImapFailure, T> failed, CancellationToken ct)
    {
        var sides = OAuth.OAuthService.OAuthSides(x.Job);
        if (sides.Count == 0 || !Guid.TryParse(request.MailboxKey, out var mailboxId))
        {
            return await call(request);
        }

        var (withTokens, problem) = await TokensAsync(x, request, mailboxId, sides, null, ct);
        if (problem is not null)
        {
            return failed(problem);
        }

        var result = await call(withTokens!);
        if (authFailure(result) is { } refused && sides.Contains(refused.Side))
        {
            x.Line(request.Source.User, $"The {SideName(refused.Side)} refused the OAuth 2.0 access token: getting a new one and trying once more.");
            (withTokens, problem) = await TokensAsync(x, request, mailboxId, sides, refused.Side, ct);
            result = problem is not null ? failed(problem) : await call(withTokens!);
        }

        return result;
    }

    private async Task<(SyncRequest? Request, ImapFailure? Problem)> TokensAsync(RunExecution x, SyncRequest request, Guid mailboxId,
        IReadOnlyList<ImapSide> sides, ImapSide? renew, CancellationToken ct)
    {
        foreach (var side in sides)
        {
            var endpoint = side == ImapSide.Source ? request.Source : request.Destination;
            try
            {
                var (token, refreshed) = await oauthTokens.AccessTokenAsync(mailboxId, side, endpoint.User, renew == side, ct);
                x.Log.AddSecret(token);
                if (refreshed)
                {
                    x.Line(request.Source.User, $"Renewed the {SideName(side)}'s OAuth 2.0 access token.");
                }

                request = side == ImapSide.Source
                    ? request with { Source = request.Source with { Secret = token } }
                    : request with { Destination = request.Destination with { Secret = token } };
            }
            catch (DomainException ex)
            {
                return (null, new ImapFailure(ImapFailureKind.AuthenticationFailed, side, ex.Message));
            }
        }

        return (request, null);
    }

    private static string SideName(ImapSide side) => side == ImapSide.Source ? "source" : "destination";

    public static ImapEndpoint Endpoint(ServerEndpoint server, string user, string secret) => new(server.Host, server.Port,
        server.Security switch
        {
            ImapSecurityMode.None => ImapSecurity.None,
            ImapSecurityMode.StartTls => ImapSecurity.StartTls,
            _ => ImapSecurity.Ssl,
        }, user, secret,
        server.Auth switch
        {
            ImapAuthMode.Login => ImapAuthMechanism.Login,
            ImapAuthMode.XOAuth2 => ImapAuthMechanism.XOAuth2,
            _ => ImapAuthMechanism.Plain,
        })
    {
        CertificateSha256 = server.CertificateSha256,
        // With an admin credential, the secret given is the admin's password (see AdminSecrets).
        AdminUser = server.UsesAdminLogin ? server.AdminLogin : null,
        AdminMode = server.AdminMode == AdminLoginMode.ProxyAuth ? ImapAdminMode.ProxyAuth : ImapAdminMode.MasterUser,
    };

    /// <summary>
    /// The password a mailbox logs in with on each side: the job's admin password where the side has an admin login,
    /// otherwise the mailbox's own.
    /// </summary>
    public static (string Source, string Destination) Secrets(MigrationJob job, Mailbox m, Security.SecretProtector protector) =>
        (protector.Unprotect(job.Source.UsesAdminLogin ? job.Source.AdminSecretProtected! : m.SourceSecretProtected),
         protector.Unprotect(job.Destination.UsesAdminLogin ? job.Destination.AdminSecretProtected! : m.DestinationSecretProtected));

    private static FolderMappingOptions Mapping(MigrationJob job, Mailbox m) => new()
    {
        Include = job.Options.IncludeFolders,
        Exclude = job.Options.ExcludeFolders,
        Overrides = job.Options.FolderMappings,
        DestinationPrefix = m.DestinationFolderPrefix,
    };
}
