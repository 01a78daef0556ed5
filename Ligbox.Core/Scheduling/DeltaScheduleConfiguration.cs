using Ligbox.Core.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ligbox.Core.Scheduling;

/// <summary>The job's schedule as <c>Schedule_*</c> columns of <c>MigrationJobs</c> (kept here, with the feature).</summary>
internal sealed class DeltaScheduleConfiguration : IEntityTypeConfiguration<MigrationJob>
{
    public void Configure(EntityTypeBuilder<MigrationJob> b)
    {
        b.OwnsOne(j => j.Schedule, s =>
        {
            s.Property(x => x.Enabled);
            s.Property(x => x.EveryHours);
            s.Property(x => x.Cron).HasMaxLength(DeltaScheduleRules.MaxCronLength);
            s.Property(x => x.UpdatedBy).HasMaxLength(256);
            s.Property(x => x.LastPassOutcome).HasConversion<string>().HasMaxLength(10);
            s.Property(x => x.LastPassMessage).HasMaxLength(1000);
            s.Ignore(x => x.Spec);
        });
        b.Navigation(j => j.Schedule).IsRequired();
    }
}
