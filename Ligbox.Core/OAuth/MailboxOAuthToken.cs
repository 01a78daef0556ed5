using Ligbox.Tools.NativeImap;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ligbox.Core.OAuth;

/// <summary>Whether a mailbox's side can log in with OAuth 2.0, in the words the console shows.</summary>
public enum MailboxOAuthState
{
    /// <summary>Nobody consented yet.</summary>
    NotAuthorized,

    /// <summary>A usable access token, or a refresh token to get one.</summary>
    Authorized,

    /// <summary>The access token expired and there is no refresh token: consent again.</summary>
    Expired,

    /// <summary>The provider refused (consent revoked, refresh refused, consent not completed): consent again.</summary>
    Failed,
}

/// <summary>
/// One mailbox's OAuth 2.0 tokens for one side, both encrypted (<see cref="Security.SecretProtector"/>): written by the
/// consent (callback or device flow) and by a run's refresh, with <see cref="Version"/> so two refreshes never overwrite
/// each other's rotated refresh token unnoticed. Never logged, never in an API answer.
/// </summary>
public sealed class MailboxOAuthToken
{
    private MailboxOAuthToken()
    {
    }

    public MailboxOAuthToken(Guid jobId, Guid mailboxId, ImapSide side)
    {
        Id = Guid.NewGuid();
        JobId = jobId;
        MailboxId = mailboxId;
        Side = side;
    }

    public Guid Id { get; private set; }
    public Guid JobId { get; private set; }
    public Guid MailboxId { get; private set; }
    public ImapSide Side { get; private set; }
    public string? AccessTokenProtected { get; private set; }
    public string? RefreshTokenProtected { get; private set; }
    public DateTime? ExpiresAtUtc { get; private set; }

    /// <summary>When the current access token was issued (its lifetime decides how early it is refreshed).</summary>
    public DateTime? IssuedAtUtc { get; private set; }
    public DateTime? AuthorizedAtUtc { get; private set; }
    public string? AuthorizedBy { get; private set; }
    public bool Failed { get; private set; }

    /// <summary>Why the last consent or refresh failed, in plain words (no secret).</summary>
    public string? Problem { get; private set; }
    public int Version { get; private set; }

    public MailboxOAuthState StateAt(DateTime nowUtc) =>
        Failed ? MailboxOAuthState.Failed
        : AccessTokenProtected is null ? MailboxOAuthState.NotAuthorized
        : RefreshTokenProtected is null && ExpiresAtUtc <= nowUtc ? MailboxOAuthState.Expired
        : MailboxOAuthState.Authorized;

    /// <summary>A consent completed: new tokens (encrypted by the caller).</summary>
    public void Authorize(string accessProtected, string? refreshProtected, DateTime expiresAtUtc, string by, DateTime nowUtc)
    {
        AccessTokenProtected = accessProtected;
        RefreshTokenProtected = refreshProtected;
        ExpiresAtUtc = expiresAtUtc;
        IssuedAtUtc = nowUtc;
        AuthorizedAtUtc = nowUtc;
        AuthorizedBy = by;
        Failed = false;
        Problem = null;
        Version++;
    }

    /// <summary>A refresh gave a new access token (and maybe a rotated refresh token).</summary>
    public void Refreshed(string accessProtected, string? refreshProtected, DateTime expiresAtUtc, DateTime nowUtc)
    {
        AccessTokenProtected = accessProtected;
        RefreshTokenProtected = refreshProtected ?? RefreshTokenProtected;
        ExpiresAtUtc = expiresAtUtc;
        IssuedAtUtc = nowUtc;
        Failed = false;
        Problem = null;
        Version++;
    }

    /// <summary>The provider refused: the tokens are forgotten, the mailbox needs a new consent.</summary>
    public void Fail(string problem)
    {
        AccessTokenProtected = null;
        RefreshTokenProtected = null;
        ExpiresAtUtc = null;
        IssuedAtUtc = null;
        Failed = true;
        Problem = problem.Length > 1000 ? problem[..1000] : problem;
        Version++;
    }
}

internal sealed class MailboxOAuthTokenConfiguration : IEntityTypeConfiguration<MailboxOAuthToken>
{
    public void Configure(EntityTypeBuilder<MailboxOAuthToken> b)
    {
        b.ToTable("MailboxOAuthTokens");
        b.HasKey(t => t.Id);
        b.Property(t => t.Side).HasConversion<string>().HasMaxLength(12);
        b.Property(t => t.AuthorizedBy).HasMaxLength(256);
        b.Property(t => t.Problem).HasMaxLength(1000);
        b.Property(t => t.Version).IsConcurrencyToken();
        b.HasOne<Mailboxes.Mailbox>().WithMany().HasForeignKey(t => t.MailboxId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(t => new { t.MailboxId, t.Side }).IsUnique();
        b.HasIndex(t => t.JobId);
    }
}
