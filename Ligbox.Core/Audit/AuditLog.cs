using System.Text.Json;
using Ligbox.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Audit;

public sealed record AuditEntryDto(long Id, DateTime AtUtc, string Actor, string Action, string EntityType, string EntityId, Guid? JobId, string? Details);

/// <summary>Writes and reads the audit trail. Entries are added to the caller's context so they commit with the change.</summary>
public sealed class AuditLog(IDbContextFactory<LigboxDbContext> dbFactory, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Add(LigboxDbContext db, string actor, string action, string entityType, object entityId, object? details = null, Guid? jobId = null)
    {
        var json = details is null ? null : details as string ?? JsonSerializer.Serialize(details, Json);
        db.AuditEntries.Add(new AuditEntry(actor, action, entityType, entityId.ToString() ?? "", json, clock.GetUtcNow().UtcDateTime, jobId));
    }

    public async Task<IReadOnlyList<AuditEntryDto>> ListAsync(Guid? jobId, int take = 200, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.AuditEntries.AsNoTracking();
        if (jobId is { } id)
        {
            q = q.Where(a => a.JobId == id);
        }

        return await q.OrderByDescending(a => a.Id).Take(take)
            .Select(a => new AuditEntryDto(a.Id, a.AtUtc, a.Actor, a.Action, a.EntityType, a.EntityId, a.JobId, a.Details))
            .ToListAsync(ct);
    }
}
