using Ligbox.Core.Gate;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Runs;

namespace Ligbox.Core.Reports;

/// <summary>
/// The report of one migration job (T030): what the JSON endpoint returns and what the PDF prints. Its shape is
/// a contract for other systems (the helpdesk stores it): <see cref="SchemaVersion"/> changes with every
/// incompatible change, and <c>docs/report.schema.json</c> describes it (a test validates real reports against it).
/// </summary>
public sealed record JobReport(
    string SchemaVersion,
    DateTime GeneratedAtUtc,
    string Language,
    ReportJob Job,
    ReportServers Servers,
    ReportSummary Summary,
    ReportGate Gate,
    IReadOnlyList<ReportMailbox> Mailboxes,
    IReadOnlyList<ReportImport> Imports,
    IReadOnlyList<ReportRun> Runs)
{
    public const string CurrentSchemaVersion = "1.0";
    public const string SchemaId = "https://ligbox.example/schemas/job-report/1.0";
}

public sealed record ReportJob(Guid Id, string Domain, string Name, string? TicketId, string? TicketUrl, MigrationPhase Phase, string? PhaseReason,
    string CreatedBy, DateTime CreatedAtUtc);

public sealed record ReportServer(string Host, int Port, string Security);

/// <summary>Where mail came from (null for a job that takes PST/mbox imports only) and went to, and the engine that copied it.</summary>
public sealed record ReportServers(ReportServer? Source, ReportServer Destination, string Engine);

/// <summary>The first page: the figures and a few sentences a customer understands.</summary>
public sealed record ReportSummary(
    int Mailboxes,
    int MailboxesComplete,
    int MailboxesWithDifferences,
    int MailboxesFailed,
    int MailboxesExcluded,
    int MailboxesNotMigrated,
    long SourceMessages,
    long DestinationMessages,
    double? Ratio,
    long MissingMessages,
    long MessagesOutOfWindow,
    int QuarantinedItems,
    long ImportedMessages,
    int ContactsAndCalendarItems,
    long BytesCopied,
    DateTime? FirstRunAtUtc,
    DateTime? LastRunAtUtc,
    IReadOnlyList<string> Sentences);

/// <summary>The gate's verdict and every decision on it, oldest first.</summary>
public sealed record ReportGate(
    GateState State,
    GateGrade Grade,
    double? Ratio,
    double? BytesRatio,
    double Threshold,
    long SourceMessages,
    long DestinationMessages,
    string? ApprovedBy,
    DateTime? ApprovedAtUtc,
    string? Comment,
    bool AcceptedMissing,
    bool AcceptedExcluded,
    IReadOnlyList<string> Reasons,
    IReadOnlyList<ReportExcludedMailbox> Excluded,
    IReadOnlyList<ReportDecision> Decisions);

public sealed record ReportExcludedMailbox(string Login, string? Reason, string? By, DateTime? AtUtc);

/// <summary>One gate event of the audit trail: who, when, and the sentence the job page shows.</summary>
public sealed record ReportDecision(DateTime AtUtc, string Actor, string Action, string Text);

/// <summary>
/// One mailbox as its latest pass (or, for imports, its imports) left it. <see cref="Source"/> tells where the
/// figures come from: <c>sync</c> (a sync pass's own verification), <c>import</c>, or <c>none</c> (never migrated).
/// </summary>
public sealed record ReportMailbox(
    string Login,
    string DestinationLogin,
    MailboxStatus Status,
    string? StatusMessage,
    bool Excluded,
    string? ExcludedReason,
    string Source,
    RunKind? LastRunKind,
    DateTime? VerifiedAtUtc,
    long? SourceMessages,
    long? DestinationMessages,
    double? Ratio,
    long MissingMessages,
    long MessagesOutOfWindow,
    long? SourceBytes,
    long? DestinationBytes,
    IReadOnlyList<ReportFolder> Folders,
    IReadOnlyList<ReportMissingMessage> Missing,
    IReadOnlyList<string> Notes);

/// <summary>One source folder and the destination folder it went to, with the counts and why they differ.</summary>
public sealed record ReportFolder(
    string SourceFolder,
    string? DestinationFolder,
    long SourceMessages,
    long? DestinationMessages,
    long OutOfWindow,
    int Errors,
    int Quarantined,
    string? Difference);

public sealed record ReportMissingMessage(string Folder, string? MessageId, string? Subject, DateTimeOffset? Date);

/// <summary>One PST/mbox/TGZ import into one mailbox.</summary>
public sealed record ReportImport(
    Guid RunId,
    string Mailbox,
    RunKind Kind,
    string File,
    string SourceKind,
    RunStatus Status,
    DateTime? EndedAtUtc,
    long SourceBytes,
    int Parsed,
    int Appended,
    int AlreadyThere,
    int Quarantined,
    int ContactsAndCalendarItems,
    IReadOnlyList<ReportImportFolder> Folders,
    IReadOnlyList<ReportQuarantined> QuarantinedItems);

public sealed record ReportImportFolder(string Source, string Destination, int Extracted, int NotMail, int Parsed, int Appended, int AlreadyThere,
    int Quarantined, int? DestinationMessages);

public sealed record ReportQuarantined(string SourceFolder, string? Subject, string Reason);

/// <summary>One run (not dry runs), with its duration and rates.</summary>
public sealed record ReportRun(
    Guid Id,
    RunKind Kind,
    RunStatus Status,
    RunTrigger Trigger,
    string RequestedBy,
    DateTime QueuedAtUtc,
    DateTime? StartedAtUtc,
    DateTime? EndedAtUtc,
    double? DurationSeconds,
    int? Mailboxes,
    int? MailboxesFailed,
    long? MessagesCopied,
    long? BytesCopied,
    double? MessagesPerSecond,
    double? BytesPerSecond,
    string? Message);
