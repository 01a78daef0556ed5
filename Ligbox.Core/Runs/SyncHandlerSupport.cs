using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Storage;
using Ligbox.Core.Sync;
using Ligbox.Tools.Engines;
using Ligbox.Tools.NativeImap;

namespace Ligbox.Core.Runs;

/// <summary>What the pre-flight and sync handlers share: the engine requests of a job's mailboxes and running them in slots.</summary>
public sealed class SyncHandlerSupport(EngineRegistry engines, MailboxSlots slots, EfSyncStateStore state, DataDirectory dataDir, TimeProvider clock)
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
        }).ToList();
    }

    /// <summary>Each mailbox in one of the console-wide <see cref="MailboxSlots"/>; one that has to wait says so in the log.</summary>
    public Task<IReadOnlyList<T>> InSlotsAsync<T>(RunExecution x, IReadOnlyList<SyncRequest> requests, Func<SyncRequest, CancellationToken, Task<T>> one, CancellationToken ct) =>
        slots.ForEachAsync(requests, one,
            request => x.Line(request.Source.User,
                $"Waiting for a free mailbox slot: {slots.InUse} of {slots.Capacity} are in use across all runs (Ligbox:Runs:MaxConcurrentMailboxes)."),
            ct);

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
    };

    private static FolderMappingOptions Mapping(MigrationJob job, Mailbox m) => new()
    {
        Include = job.Options.IncludeFolders,
        Exclude = job.Options.ExcludeFolders,
        Overrides = job.Options.FolderMappings,
        DestinationPrefix = m.DestinationFolderPrefix,
    };
}
