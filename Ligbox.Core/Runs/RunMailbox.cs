using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ligbox.Core.Runs;

/// <summary>One mailbox of a run: its outcome and figures (statistics or pre-flight result as JSON).</summary>
public sealed class RunMailbox
{
    private RunMailbox()
    {
    }

    public RunMailbox(Guid runId, Guid mailboxId, string sourceLogin)
    {
        Id = Guid.NewGuid();
        RunId = runId;
        MailboxId = mailboxId;
        SourceLogin = sourceLogin;
        Status = RunStatus.Queued;
    }

    public Guid Id { get; private set; }
    public Guid RunId { get; private set; }
    public Guid MailboxId { get; private set; }
    public string SourceLogin { get; private set; } = "";
    public RunStatus Status { get; private set; }
    public string? Message { get; private set; }
    public string? ResultJson { get; private set; }

    public void Record(bool succeeded, string? message, string? resultJson)
    {
        Status = succeeded ? RunStatus.Succeeded : RunStatus.Failed;
        Message = message;
        ResultJson = resultJson;
    }

    public void MarkRunning() => Status = RunStatus.Running;

    public void Close(RunStatus status)
    {
        if (Status is RunStatus.Queued or RunStatus.Running)
        {
            Status = status;
        }
    }
}

internal sealed class RunMailboxConfiguration : IEntityTypeConfiguration<RunMailbox>
{
    public void Configure(EntityTypeBuilder<RunMailbox> b)
    {
        b.ToTable("RunMailboxes");
        b.HasKey(r => r.Id);
        b.Property(r => r.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(r => r.SourceLogin).HasMaxLength(320);
        b.HasOne<Run>().WithMany().HasForeignKey(r => r.RunId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(r => new { r.RunId, r.MailboxId }).IsUnique();
        b.HasIndex(r => r.MailboxId);
    }
}
