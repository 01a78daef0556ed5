using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ligbox.Core.Sync;

/// <summary>The engine's checkpoint of one source folder of one mailbox pair (see <c>FolderCheckpoint</c>).</summary>
public sealed class FolderSyncStateRow
{
    public string MailboxKey { get; set; } = "";
    public string SourceFolder { get; set; } = "";
    public string DestinationFolder { get; set; } = "";
    public long SourceUidValidity { get; set; }
    public long DestinationUidValidity { get; set; }
    public long HighestSyncedUid { get; set; }
    public long SourceUidNext { get; set; }
    public int SourceMessageCount { get; set; }
    public long? HighestModSeq { get; set; }
    public long DestinationUidNext { get; set; }
    public string RetryUidsJson { get; set; } = "[]";
}

/// <summary>A source UID and the destination UID it was copied (or matched) to.</summary>
public sealed class UidPairRow
{
    public long Id { get; set; }
    public string MailboxKey { get; set; } = "";
    public string SourceFolder { get; set; } = "";
    public long SourceUid { get; set; }
    public long DestinationUid { get; set; }
    public bool CopiedByUs { get; set; }
}

internal sealed class FolderSyncStateRowConfiguration : IEntityTypeConfiguration<FolderSyncStateRow>
{
    public void Configure(EntityTypeBuilder<FolderSyncStateRow> b)
    {
        b.ToTable("SyncFolderStates");
        b.HasKey(r => new { r.MailboxKey, r.SourceFolder });
        b.Property(r => r.MailboxKey).HasMaxLength(500);
        b.Property(r => r.SourceFolder).HasMaxLength(1000);
        b.Property(r => r.DestinationFolder).HasMaxLength(1000);
    }
}

internal sealed class UidPairRowConfiguration : IEntityTypeConfiguration<UidPairRow>
{
    public void Configure(EntityTypeBuilder<UidPairRow> b)
    {
        b.ToTable("SyncUidPairs");
        b.HasKey(r => r.Id);
        b.Property(r => r.MailboxKey).HasMaxLength(500);
        b.Property(r => r.SourceFolder).HasMaxLength(1000);
        b.HasIndex(r => new { r.MailboxKey, r.SourceFolder, r.SourceUid }).IsUnique();
    }
}
