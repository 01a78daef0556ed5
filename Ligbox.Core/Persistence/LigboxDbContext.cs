using Ligbox.Core.Accounts;
using Ligbox.Core.Audit;
using Ligbox.Core.Gate;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Runs;
using Ligbox.Core.Webhooks;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Persistence;

/// <summary>
/// The one database context: Identity, jobs, mailboxes, runs, audit.
/// New migration: <c>dotnet ef migrations add NAME --project Ligbox.Core --startup-project Ligbox.Core
/// --context LigboxDbContext --output-dir Persistence/Migrations</c> (uses <see cref="DesignTimeDbContextFactory"/>).
/// </summary>
public sealed class LigboxDbContext(DbContextOptions<LigboxDbContext> options) : IdentityDbContext<AppUser>(options)
{
    public DbSet<MigrationJob> Jobs => Set<MigrationJob>();
    public DbSet<Mailbox> Mailboxes => Set<Mailbox>();
    public DbSet<Run> Runs => Set<Run>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<MigrationGate> Gates => Set<MigrationGate>();
    public DbSet<WebhookEndpoint> WebhookEndpoints => Set<WebhookEndpoint>();
    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();
    public DbSet<Nodes.ConsoleNode> Nodes => Set<Nodes.ConsoleNode>(); // issue 17: node heartbeats

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(LigboxDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no time zone type: every DateTime is stored as UTC and read back as UTC.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<NullableUtcDateTimeConverter>();
    }
}
