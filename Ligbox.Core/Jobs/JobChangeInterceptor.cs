using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Ligbox.Core.Jobs;

/// <summary>
/// Raises <see cref="JobChangeNotifier.Publish(Guid, JobChangeKinds)"/> for every job whose rows a <c>SaveChanges</c> wrote:
/// a <see cref="MigrationJob"/> itself, or any entity with a <c>JobId</c> (mailboxes, runs, the gate,
/// audit entries, schedules, imports). One place, so a new writer cannot forget to tell the job page.
/// </summary>
public sealed class JobChangeInterceptor(JobChangeNotifier notifier) : SaveChangesInterceptor
{
    private readonly ConditionalWeakTable<DbContext, Dictionary<Guid, JobChangeKinds>> _pending = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Flush(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Flush(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData)
    {
        if (eventData.Context is { } context)
        {
            _pending.Remove(context);
        }
    }

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        SaveChangesFailed(eventData);
        return Task.CompletedTask;
    }

    private void Collect(DbContext? context)
    {
        if (context is null)
        {
            return;
        }

        var ids = _pending.GetOrCreateValue(context);
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State is EntityState.Added or EntityState.Modified or EntityState.Deleted && JobIdOf(entry) is { } id)
            {
                ids[id] = ids.GetValueOrDefault(id) | KindOf(entry.Entity);
            }
        }
    }

    private void Flush(DbContext? context)
    {
        if (context is null || !_pending.TryGetValue(context, out var ids))
        {
            return;
        }

        _pending.Remove(context);
        foreach (var (id, kinds) in ids)
        {
            notifier.Publish(id, kinds);
        }
    }

    private static JobChangeKinds KindOf(object entity) => entity switch
    {
        MigrationJob => JobChangeKinds.Job,
        Mailboxes.Mailbox => JobChangeKinds.Mailboxes,
        Runs.Run => JobChangeKinds.Runs,
        Gate.MigrationGate => JobChangeKinds.Gate,
        Audit.AuditEntry => JobChangeKinds.Audit,
        _ => JobChangeKinds.Other,
    };

    private static Guid? JobIdOf(EntityEntry entry)
    {
        if (entry.Entity is MigrationJob job)
        {
            return job.Id;
        }

        return entry.Metadata.FindProperty("JobId") is { } p && entry.Property(p.Name).CurrentValue is Guid id ? id : null;
    }
}
