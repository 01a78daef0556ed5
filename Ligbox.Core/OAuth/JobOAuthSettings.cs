using Ligbox.Tools.NativeImap;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ligbox.Core.OAuth;

/// <summary>
/// A job's OAuth 2.0 client registration for one side (source or destination) that logs in with XOAUTH2: who issues the
/// tokens and the console's client id, secret (encrypted like mailbox passwords) and scopes there.
/// </summary>
public sealed class JobOAuthSettings
{
    private JobOAuthSettings()
    {
    }

    public JobOAuthSettings(Guid jobId, ImapSide side)
    {
        Id = Guid.NewGuid();
        JobId = jobId;
        Side = side;
    }

    public Guid Id { get; private set; }
    public Guid JobId { get; private set; }
    public ImapSide Side { get; private set; }
    public OAuthProviderKind Provider { get; private set; }

    /// <summary>The issuer (discovery document's base) of a generic provider, or a Microsoft tenant's; <c>null</c> for the provider's default.</summary>
    public string? Authority { get; private set; }
    public string ClientId { get; private set; } = "";

    /// <summary>The client secret, encrypted (<see cref="Security.SecretProtector"/>); never shown.</summary>
    public string? ClientSecretProtected { get; private set; }

    /// <summary>Space-separated scopes; <c>null</c> for the provider's defaults.</summary>
    public string? Scopes { get; private set; }
    public DateTime UpdatedAtUtc { get; private set; }
    public string UpdatedBy { get; private set; } = "";

    /// <summary>Whether a change makes the mailboxes' tokens of this side useless (another issuer or client).</summary>
    public bool Set(OAuthProviderKind provider, string? authority, string clientId, string? clientSecretProtected, string? scopes, string by, DateTime nowUtc)
    {
        var otherClient = Provider != provider || Authority != authority || ClientId != clientId;
        Provider = provider;
        Authority = authority;
        ClientId = clientId;
        ClientSecretProtected = clientSecretProtected ?? ClientSecretProtected;
        Scopes = scopes;
        UpdatedBy = by;
        UpdatedAtUtc = nowUtc;
        return otherClient;
    }

    /// <summary>The client settings with the secret decrypted, for <see cref="OAuthClient"/> only.</summary>
    public OAuthClientSettings ToClient(Security.SecretProtector protector) =>
        new(Provider, Authority, ClientId, ClientSecretProtected is null ? null : protector.Unprotect(ClientSecretProtected), Scopes);
}

internal sealed class JobOAuthSettingsConfiguration : IEntityTypeConfiguration<JobOAuthSettings>
{
    public void Configure(EntityTypeBuilder<JobOAuthSettings> b)
    {
        b.ToTable("JobOAuthSettings");
        b.HasKey(s => s.Id);
        b.Property(s => s.Side).HasConversion<string>().HasMaxLength(12);
        b.Property(s => s.Provider).HasConversion<string>().HasMaxLength(20);
        b.Property(s => s.Authority).HasMaxLength(500);
        b.Property(s => s.ClientId).HasMaxLength(300).IsRequired();
        b.Property(s => s.Scopes).HasMaxLength(1000);
        b.Property(s => s.UpdatedBy).HasMaxLength(256);
        b.HasOne<Jobs.MigrationJob>().WithMany().HasForeignKey(s => s.JobId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(s => new { s.JobId, s.Side }).IsUnique();
    }
}
