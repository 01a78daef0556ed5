using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ligbox.Core.Gate;

public enum GateState
{
    Blocked,
    Ready,
    Approved,
    Revoked,
}

/// <summary>
/// The gate's decision for one job (one row per job). Ready/Blocked follow the calculator;
/// Approved and Revoked are people's decisions, each with a mandatory comment. An approval is bound to
/// the inputs it approved (<see cref="ApprovedInputsJson"/>, a <see cref="GateFingerprint"/>): when they
/// change, <see cref="GateService.EvaluateAsync"/> revokes it. Only <see cref="GateService"/> writes this
/// row, guarded by <see cref="Version"/> (optimistic concurrency).
/// </summary>
public sealed class MigrationGate
{
    private MigrationGate()
    {
    }

    public MigrationGate(Guid jobId, DateTime nowUtc)
    {
        JobId = jobId;
        State = GateState.Blocked;
        UpdatedAtUtc = nowUtc;
    }

    public Guid JobId { get; private set; }
    public GateState State { get; private set; }
    public string? DecidedBy { get; private set; }
    public DateTime? DecidedAtUtc { get; private set; }
    public string? Comment { get; private set; }
    public bool AcceptedMissing { get; private set; }
    public DateTime UpdatedAtUtc { get; private set; }

    /// <summary>The ops lead accepted the mailboxes excluded from the job when approving.</summary>
    public bool AcceptedExcluded { get; private set; }

    /// <summary>What the approval approved (a <see cref="GateFingerprint"/> as JSON); null unless approved.</summary>
    public string? ApprovedInputsJson { get; private set; }

    /// <summary>Concurrency token: every change increments it, so two writers cannot both win.</summary>
    public int Version { get; private set; }

    public string? ApprovedBy => State == GateState.Approved ? DecidedBy : null;
    public DateTime? ApprovedAtUtc => State == GateState.Approved ? DecidedAtUtc : null;

    /// <summary>Follows the calculator: only Blocked ↔ Ready move on their own.</summary>
    public bool Follow(GateResult result, DateTime nowUtc)
    {
        var target = result.IsBlocked ? GateState.Blocked : GateState.Ready;
        if (State is GateState.Approved or GateState.Revoked || State == target)
        {
            return false;
        }

        State = target;
        Touch(nowUtc);
        return true;
    }

    /// <summary>
    /// The approval no longer holds: it is withdrawn by the system with the reasons in words. The gate
    /// shows Blocked when the figures block it now, Revoked (ready to approve again) otherwise.
    /// </summary>
    public void RevokeAutomatically(GateResult result, string reasons, DateTime nowUtc)
    {
        if (State != GateState.Approved)
        {
            throw new GateRefusedException($"The gate is {State}; only an approved gate can be revoked.", []);
        }

        State = result.IsBlocked ? GateState.Blocked : GateState.Revoked;
        DecidedBy = "system";
        DecidedAtUtc = nowUtc;
        Comment = reasons.Length > 2000 ? reasons[..1997] + "..." : reasons;
        AcceptedMissing = false;
        AcceptedExcluded = false;
        ApprovedInputsJson = null;
        Touch(nowUtc);
    }

    /// <summary>A revoked gate whose figures now block it shows Blocked (it cannot be approved again as it is).</summary>
    public bool FollowRevoked(GateResult result, DateTime nowUtc)
    {
        if (State != GateState.Revoked || !result.IsBlocked)
        {
            return false;
        }

        State = GateState.Blocked;
        Touch(nowUtc);
        return true;
    }

    public void Approve(GateResult result, string by, string? comment, bool acceptMissing, bool acceptExcluded, string approvedInputsJson, DateTime nowUtc)
    {
        var text = RequireComment(comment, "approve");
        if (State == GateState.Approved)
        {
            throw new GateRefusedException("The gate is already approved.", []);
        }

        if (result.IsBlocked)
        {
            throw new GateRefusedException("The gate is blocked and cannot be approved.", result.Reasons);
        }

        if (result.Grade == GateGrade.Investigate && !acceptMissing)
        {
            throw new GateRefusedException(
                $"{result.Missing.Count} named message(s) are missing; approve only by explicitly accepting them (acceptMissing).",
                result.Reasons);
        }

        if (result.Excluded.Count > 0 && !acceptExcluded)
        {
            throw new GateRefusedException(
                $"{result.Excluded.Count} mailbox(es) are excluded from the job ({string.Join(", ", result.Excluded.Select(e => e.Login))}); " +
                "approve only by explicitly accepting them (acceptExcluded).",
                result.Reasons);
        }

        State = GateState.Approved;
        DecidedBy = by;
        DecidedAtUtc = nowUtc;
        Comment = text;
        AcceptedMissing = acceptMissing && result.Grade == GateGrade.Investigate;
        AcceptedExcluded = acceptExcluded && result.Excluded.Count > 0;
        ApprovedInputsJson = approvedInputsJson;
        Touch(nowUtc);
    }

    public void Revoke(string by, string? comment, DateTime nowUtc)
    {
        var text = RequireComment(comment, "revoke");
        if (State != GateState.Approved)
        {
            throw new GateRefusedException($"The gate is {State}; only an approved gate can be revoked.", []);
        }

        State = GateState.Revoked;
        DecidedBy = by;
        DecidedAtUtc = nowUtc;
        Comment = text;
        AcceptedMissing = false;
        AcceptedExcluded = false;
        ApprovedInputsJson = null;
        Touch(nowUtc);
    }

    private void Touch(DateTime nowUtc)
    {
        UpdatedAtUtc = nowUtc;
        Version++;
    }

    private static string RequireComment(string? comment, string verb) =>
        string.IsNullOrWhiteSpace(comment)
            ? throw new ValidationFailedException(new Dictionary<string, string[]> { ["comment"] = [$"A comment is required to {verb} the gate."] })
            : comment.Trim();
}

/// <summary>A gate transition the rules refuse; carries the reasons so the API can show them (409).</summary>
public sealed class GateRefusedException(string message, IReadOnlyList<string> reasons) : DomainException(message)
{
    public IReadOnlyList<string> Reasons { get; } = reasons;
}

internal sealed class MigrationGateConfiguration : IEntityTypeConfiguration<MigrationGate>
{
    public void Configure(EntityTypeBuilder<MigrationGate> b)
    {
        b.ToTable("Gates");
        b.HasKey(g => g.JobId);
        b.Property(g => g.State).HasConversion<string>().HasMaxLength(20);
        b.Property(g => g.DecidedBy).HasMaxLength(256);
        b.Property(g => g.Comment).HasMaxLength(2000);
        b.Property(g => g.Version).IsConcurrencyToken();
        b.Ignore(g => g.ApprovedBy);
        b.Ignore(g => g.ApprovedAtUtc);
        b.HasOne<Jobs.MigrationJob>().WithMany().HasForeignKey(g => g.JobId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class GateOptions
{
    public const string Section = "Ligbox:Gate";

    /// <summary>Counts verified longer ago than this block the gate.</summary>
    public double MaxVerificationAgeHours { get; set; } = 24;
}
