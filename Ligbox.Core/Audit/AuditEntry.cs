namespace Ligbox.Core.Audit;

/// <summary>An immutable record of who did what, when, to which entity.</summary>
public sealed class AuditEntry
{
    private AuditEntry()
    {
    }

    public AuditEntry(string actor, string action, string entityType, string entityId, string? details, DateTime atUtc, Guid? jobId = null)
    {
        Actor = actor;
        Action = action;
        EntityType = entityType;
        EntityId = entityId;
        Details = details;
        AtUtc = atUtc;
        JobId = jobId;
    }

    public long Id { get; private set; }
    public DateTime AtUtc { get; private set; }
    public string Actor { get; private set; } = "";
    public string Action { get; private set; } = "";
    public string EntityType { get; private set; } = "";
    public string EntityId { get; private set; } = "";
    public Guid? JobId { get; private set; }
    public string? Details { get; private set; }
}
