using Ligbox.Core.Mailboxes;
using Ligbox.Core.Scheduling;

namespace Ligbox.Core.Jobs;

/// <summary>
/// One customer domain's migration. The job owns its phase: callers ask for a transition and the
/// job refuses the ones that make no sense with a <see cref="DomainException"/>.
/// </summary>
public sealed class MigrationJob
{
    private readonly List<Mailbox> _mailboxes = [];

    private MigrationJob()
    {
    }

    public MigrationJob(string domain, string name, string? ticketId, ServerEndpoint source, ServerEndpoint destination,
        SyncEngineKind engine, JobOptions options, string createdBy, DateTime createdAtUtc)
    {
        Id = Guid.NewGuid();
        Domain = NormalizeDomain(domain);
        Name = string.IsNullOrWhiteSpace(name) ? Domain : name.Trim();
        TicketId = string.IsNullOrWhiteSpace(ticketId) ? null : ticketId.Trim();
        Source = source;
        Destination = destination;
        Engine = engine;
        Options = options;
        CreatedBy = createdBy;
        CreatedAtUtc = createdAtUtc;
        UpdatedAtUtc = createdAtUtc;
        Phase = MigrationPhase.Draft;
    }

    public Guid Id { get; private set; }
    public string Domain { get; private set; } = "";
    public string Name { get; private set; } = "";
    public string? TicketId { get; private set; }
    public MigrationPhase Phase { get; private set; }
    public ServerEndpoint Source { get; private set; } = null!;
    public ServerEndpoint Destination { get; private set; } = null!;
    public SyncEngineKind Engine { get; private set; }
    public JobOptions Options { get; private set; } = new();
    public double GateThreshold { get; private set; } = 0.99;
    public string CreatedBy { get; private set; } = "";
    public DateTime CreatedAtUtc { get; private set; }
    public DateTime UpdatedAtUtc { get; private set; }
    public string? PhaseReason { get; private set; }

    /// <summary>The job's language ("en" or "pt"): the report's PDF is written in it (issue 16). The JSON report stays English.</summary>
    public string Language { get; private set; } = Accounts.UserLanguages.English;

    /// <summary>Sets the job's language; anything but a known language ("en", "pt", "pt-BR", …) is refused.</summary>
    public void SetLanguage(string language, DateTime nowUtc)
    {
        var normalized = Accounts.UserLanguages.Normalize(language) ?? throw new DomainException($"'{language}' is not a language of the console: choose en or pt.");
        if (normalized != Language)
        {
            Language = normalized;
            UpdatedAtUtc = nowUtc;
        }
    }

    /// <summary>The automatic delta sync setting and its last pass (T033).</summary>
    public DeltaSchedule Schedule { get; private set; } = new();

    public IReadOnlyCollection<Mailbox> Mailboxes => _mailboxes.AsReadOnly();

    public bool IsClosed => Phase is MigrationPhase.Cancelled or MigrationPhase.Completed;

    /// <summary>False for a job that takes PST/mbox imports only: its source is stored with an empty host.</summary>
    public bool HasSource => !string.IsNullOrEmpty(Source?.Host);

    /// <summary>The source of a PST/mbox-only job (no IMAP source server).</summary>
    public static ServerEndpoint NoSource => new() { Host = "", Port = 0 };

    /// <summary>
    /// Settings may change while the job is open (the caller checks that no run is active: an approved gate
    /// is revoked by the change, see <see cref="Gate.GateFingerprint"/>).
    /// </summary>
    public void Update(string? name, string? ticketId, ServerEndpoint? source, ServerEndpoint? destination,
        SyncEngineKind? engine, JobOptions? options, DateTime nowUtc)
    {
        EnsureOpen("change the settings of");

        if (name is not null)
        {
            Name = string.IsNullOrWhiteSpace(name) ? Domain : name.Trim();
        }

        if (ticketId is not null)
        {
            TicketId = string.IsNullOrWhiteSpace(ticketId) ? null : ticketId.Trim();
        }

        Source = source ?? Source;
        Destination = destination ?? Destination;
        Engine = engine ?? Engine;
        Options = options ?? Options;
        UpdatedAtUtc = nowUtc;
    }

    public Mailbox AddMailbox(string sourceLogin, string protectedSourceSecret, string destinationLogin,
        string protectedDestinationSecret, string? destinationFolderPrefix, DateTime nowUtc)
    {
        EnsureOpen("add mailboxes to");
        var normalized = Mailbox.NormalizeLogin(sourceLogin);
        if (_mailboxes.Any(m => m.SourceLogin == normalized))
        {
            throw new DuplicateMailboxException(normalized, Domain);
        }

        var mailbox = new Mailbox(Id, normalized, protectedSourceSecret, Mailbox.NormalizeLogin(destinationLogin),
            protectedDestinationSecret, destinationFolderPrefix, nowUtc);
        _mailboxes.Add(mailbox);
        UpdatedAtUtc = nowUtc;
        return mailbox;
    }

    /// <summary>Cancelling keeps every mailbox, run and audit entry; it only closes the job.</summary>
    public void Cancel(string reason, DateTime nowUtc)
    {
        if (Phase is MigrationPhase.Cancelled)
        {
            throw new DomainException("The job is already cancelled.");
        }

        if (Phase is MigrationPhase.Completed)
        {
            throw new DomainException("The job is completed; a completed migration cannot be cancelled.");
        }

        Phase = MigrationPhase.Cancelled;
        PhaseReason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        Schedule.TurnOff();
        UpdatedAtUtc = nowUtc;
    }

    /// <summary>Moves the job along its life cycle; refuses moves that skip or reverse steps.</summary>
    public void MoveTo(MigrationPhase target, DateTime nowUtc, string? reason = null)
    {
        if (!CanMoveTo(Phase, target))
        {
            throw new DomainException($"A job in phase {Phase} cannot move to {target}.");
        }

        Phase = target;
        PhaseReason = reason;
        if (IsClosed)
        {
            Schedule.TurnOff();
        }

        UpdatedAtUtc = nowUtc;
    }

    public static bool CanMoveTo(MigrationPhase from, MigrationPhase to) => (from, to) switch
    {
        (MigrationPhase.Cancelled or MigrationPhase.Completed, _) => false,
        (_, MigrationPhase.Cancelled) => true,
        (_, MigrationPhase.Failed) => true,
        (MigrationPhase.Draft or MigrationPhase.Failed or MigrationPhase.Preflight, MigrationPhase.Preflight) => true,
        (MigrationPhase.Draft or MigrationPhase.Preflight or MigrationPhase.Syncing or MigrationPhase.Failed, MigrationPhase.Syncing) => true,
        (MigrationPhase.GateReady or MigrationPhase.FinalSync or MigrationPhase.GateApproved, MigrationPhase.Syncing) => true,
        (MigrationPhase.Syncing or MigrationPhase.FinalSync or MigrationPhase.GateReady or MigrationPhase.GateApproved or MigrationPhase.Failed, MigrationPhase.FinalSync) => true,
        (MigrationPhase.FinalSync or MigrationPhase.GateApproved, MigrationPhase.GateReady) => true,
        (MigrationPhase.GateReady, MigrationPhase.GateApproved) => true,
        (MigrationPhase.GateApproved, MigrationPhase.Completed) => true,
        _ => false,
    };

    private void EnsureOpen(string action)
    {
        if (IsClosed)
        {
            throw new DomainException($"The job is {Phase}; you cannot {action} it.");
        }
    }

    internal static string NormalizeDomain(string domain)
    {
        var d = (domain ?? "").Trim().TrimEnd('.').ToLowerInvariant();
        return d;
    }
}

public sealed class DuplicateMailboxException(string login, string domain)
    : DomainException($"The mailbox {login} is already in the job for {domain}.");
