using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ligbox.Core.Mailboxes;

internal sealed class MailboxConfiguration : IEntityTypeConfiguration<Mailbox>
{
    public void Configure(EntityTypeBuilder<Mailbox> b)
    {
        b.ToTable("Mailboxes");
        b.HasKey(m => m.Id);
        b.Property(m => m.SourceLogin).HasMaxLength(320).IsRequired();
        b.Property(m => m.DestinationLogin).HasMaxLength(320).IsRequired();
        b.Property(m => m.SourceSecretProtected).IsRequired();
        b.Property(m => m.DestinationSecretProtected).IsRequired();
        b.Property(m => m.DestinationFolderPrefix).HasMaxLength(200);
        b.Property(m => m.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(m => m.StatusMessage).HasMaxLength(2000);
        b.Property(m => m.ExcludedReason).HasMaxLength(1000);
        b.Property(m => m.ExcludedBy).HasMaxLength(256);
        b.HasIndex(m => new { m.JobId, m.SourceLogin }).IsUnique();
    }
}
