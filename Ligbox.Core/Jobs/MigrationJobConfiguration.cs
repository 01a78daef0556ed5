using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ligbox.Core.Jobs;

internal sealed class MigrationJobConfiguration : IEntityTypeConfiguration<MigrationJob>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Configure(EntityTypeBuilder<MigrationJob> b)
    {
        b.ToTable("MigrationJobs");
        b.HasKey(j => j.Id);
        b.Property(j => j.Domain).HasMaxLength(253).IsRequired();
        b.Property(j => j.Name).HasMaxLength(200).IsRequired();
        b.Property(j => j.TicketId).HasMaxLength(100);
        b.Property(j => j.Language).HasMaxLength(8).HasDefaultValue(Accounts.UserLanguages.English);
        b.Property(j => j.Phase).HasConversion<string>().HasMaxLength(20);
        b.Property(j => j.Engine).HasConversion<string>().HasMaxLength(20);
        b.Property(j => j.CreatedBy).HasMaxLength(256);
        b.Property(j => j.PhaseReason).HasMaxLength(2000);
        b.HasIndex(j => j.Domain);
        b.HasIndex(j => j.TicketId);
        b.HasIndex(j => j.Phase);
        b.HasIndex(j => j.CreatedAtUtc);
        b.OwnsOne(j => j.Source, ConfigureServer);
        b.OwnsOne(j => j.Destination, ConfigureServer);
        b.Property(j => j.Options)
            .HasColumnName("OptionsJson")
            .HasConversion(
                o => JsonSerializer.Serialize(o, Json),
                s => JsonSerializer.Deserialize<JobOptions>(s, Json) ?? new JobOptions(),
                new ValueComparer<JobOptions>(
                    (a, c) => JsonSerializer.Serialize(a, Json) == JsonSerializer.Serialize(c, Json),
                    o => JsonSerializer.Serialize(o, Json).GetHashCode(),
                    o => JsonSerializer.Deserialize<JobOptions>(JsonSerializer.Serialize(o, Json), Json)!));
        b.HasMany(j => j.Mailboxes).WithOne().HasForeignKey(m => m.JobId).OnDelete(DeleteBehavior.Cascade);
        b.Navigation(j => j.Mailboxes).UsePropertyAccessMode(PropertyAccessMode.Field);
    }

    private static void ConfigureServer<T>(OwnedNavigationBuilder<MigrationJob, T> s) where T : class
    {
        s.Property<string>(nameof(ServerEndpoint.Host)).HasMaxLength(253);
        s.Property<ImapSecurityMode>(nameof(ServerEndpoint.Security)).HasConversion<string>().HasMaxLength(10);
        s.Property<ImapAuthMode>(nameof(ServerEndpoint.Auth)).HasConversion<string>().HasMaxLength(10);
        s.Property<string?>(nameof(ServerEndpoint.CertificateSha256)).HasMaxLength(64);
        s.Property<string?>(nameof(ServerEndpoint.AdminLogin)).HasMaxLength(320);
        s.Property<AdminLoginMode>(nameof(ServerEndpoint.AdminMode)).HasConversion<string>().HasMaxLength(12);
        s.Property<string?>(nameof(ServerEndpoint.AdminSecretProtected));
        s.Ignore(nameof(ServerEndpoint.UsesAdminLogin));
    }
}
