using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ligbox.Core.Runs;

internal sealed class RunConfiguration : IEntityTypeConfiguration<Run>
{
    public void Configure(EntityTypeBuilder<Run> b)
    {
        b.ToTable("Runs");
        b.HasKey(r => r.Id);
        b.Property(r => r.Kind).HasConversion<string>().HasMaxLength(20);
        b.Property(r => r.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(r => r.Trigger).HasConversion<string>().HasMaxLength(20);
        b.Property(r => r.RequestedBy).HasMaxLength(256);
        b.Property(r => r.LogPath).HasMaxLength(1000);
        b.Property(r => r.NodeId).HasMaxLength(100);
        b.Ignore(r => r.Duration);
        b.Ignore(r => r.IsActive);
        b.Ignore(r => r.CanStart);
        b.Property(r => r.Version).IsConcurrencyToken();
        b.HasOne<Jobs.MigrationJob>().WithMany().HasForeignKey(r => r.JobId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(r => new { r.JobId, r.QueuedAtUtc });
        b.HasIndex(r => r.Status);
        // The dashboard's per-day series and its failures of the last 24 h read runs by their end.
        b.HasIndex(r => r.EndedAtUtc);
    }
}
