using Ligbox.Core.Accounts;
using Ligbox.Core.Audit;
using Ligbox.Core.Deliveries;
using Ligbox.Core.Desk;
using Ligbox.Core.Gate;
using Ligbox.Core.Health;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.OAuth;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Core.Scheduling;
using Ligbox.Core.Pst;
using Ligbox.Core.Zimbra;
using Ligbox.Core.Reports;
using Ligbox.Core.Security;
using Ligbox.Core.Storage;
using Ligbox.Core.Uploads;
using Ligbox.Core.Webhooks;
using Ligbox.Tools.Doveadm;
using Ligbox.Tools.Imapsync;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ligbox.Core;

public static class DependencyInjection
{
    /// <summary>
    /// Registers the domain, persistence and data directory. Nothing here touches the disk: the data
    /// directory is created when the host starts (so <c>dotnet ef</c> design time has no side effects).
    /// </summary>
    public static IHostApplicationBuilder AddLigboxCore(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<LigboxOptions>().BindConfiguration(LigboxOptions.Section).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<LigboxOptions>, LigboxOptionsValidator>();
        var options = builder.Configuration.GetSection(LigboxOptions.Section).Get<LigboxOptions>() ?? new LigboxOptions();
        var dataDir = new DataDirectory(Path.IsPathRooted(options.DataDir)
            ? options.DataDir
            : Path.Combine(builder.Environment.ContentRootPath, options.DataDir));
        services.AddSingleton(dataDir);
        services.AddSingleton(TimeProvider.System);

        // Ligbox:Database:Provider = Sqlite (default, one file in the data directory) or PostgreSQL (issue 17).
        var database = LigboxDatabase.Resolve(builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>(),
            options.ConnectionString, dataDir.DatabaseFile);
        services.AddSingleton(database);
        services.AddSingleton<JobChangeNotifier>();
        services.AddSingleton<JobChangeInterceptor>();
        services.AddDbContextFactory<LigboxDbContext>((sp, o) => database.Configure(o)
            .AddInterceptors(sp.GetRequiredService<JobChangeInterceptor>()));

        var dataProtection = services.AddDataProtection().SetApplicationName("Ligbox.Console");
        // The file-system key ring of PersistKeysToFileSystem, with each key file made 0600 when written.
        services.AddSingleton<Microsoft.Extensions.Options.IConfigureOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>>(sp =>
            new Microsoft.Extensions.Options.ConfigureOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>(o => o.XmlRepository =
                new PrivateKeyRepository(new Microsoft.AspNetCore.DataProtection.Repositories.FileSystemXmlRepository(
                    new DirectoryInfo(dataDir.Keys), sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()), dataDir.Keys)));
        // The key ring is encrypted at rest with a certificate kept outside the data directory (issue 12).
        // Not at design time (dotnet ef): Development would generate its certificate there.
        if (!EF.IsDesignTime)
        {
            var keyRing = builder.Configuration.GetSection(KeyRingOptions.Section).Get<KeyRingOptions>() ?? new KeyRingOptions();
            dataProtection.ProtectKeysWithCertificate(KeyRingCertificate.Load(keyRing, builder.Environment, dataDir, Console.Error.WriteLine));
        }

        services.AddIdentityCore<AppUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 10;
                o.Lockout.MaxFailedAccessAttempts = 10;
            })
            .AddRoles<IdentityRole>()
            .AddClaimsPrincipalFactory<LigboxClaimsPrincipalFactory>()
            .AddEntityFrameworkStores<LigboxDbContext>()
            .AddDefaultTokenProviders();

        services.AddSingleton<SecretProtector>();
        services.AddSingleton<AuditLog>();
        services.AddScoped<JobService>();
        services.AddScoped<MailboxService>();
        services.AddScoped<ConnectionTestService>();
        services.AddScoped<JobOverviewService>();
        services.AddScoped<Dashboard.DashboardService>();
        services.AddScoped<ApiTokenService>();
        services.AddScoped<UserAdminService>();
        services.AddScoped<OwnPasswordService>();
        services.AddScoped<OwnPreferencesService>();

        services.AddTusUploads(dataDir.Uploads);
        services.AddSingleton<IUploadsInUse, ImportUploadsInUse>();
        // imapsync's own logs, and the private per-run directories with its passfiles and pidfile, go to
        // the data directory unless configured elsewhere (runs pass their own logs/imapsync/{job}/{run}).
        services.PostConfigure<ImapsyncSettings>(o =>
        {
            if (o.LogDirectory == new ImapsyncSettings().LogDirectory)
            {
                o.LogDirectory = Path.Combine(dataDir.Logs, "imapsync");
            }

            o.WorkDirectory ??= Path.Combine(dataDir.Work, "imapsync");
        });
        // doveadm's private per-run config (it holds the source password) goes there too, not to /tmp.
        services.PostConfigure<DoveadmSettings>(o => o.WorkDirectory ??= Path.Combine(dataDir.Work, "doveadm"));

        // First: the data directory must exist and be writable before anything opens the database.
        services.AddHostedService(sp => new DataDirectoryInitializer(sp.GetRequiredService<DataDirectory>()));
        services.AddHostedService<DatabaseInitializer>();
        // Then the files the database initializer created (ligbox.db, -wal, -shm) become 0600 (issue 12).
        services.AddHostedService(sp => new DataDirectoryTightener(sp.GetRequiredService<DataDirectory>()));
        services.AddGate();
        services.AddLigboxRuns(dataDir, database, builder.Configuration);
        services.AddDeltaSchedules();
        // After the database initializer: the PST worker re-queues pending runs from the database at start.
        services.AddPstImport();
        services.AddZimbraImport();
        services.AddReports();
        services.AddDesk();
        services.AddOAuth();
        services.AddMetrics();
        services.AddSingleton<Telemetry.LigboxMetrics>();
        services.AddLigboxHealthChecks();
        return builder;
    }
}

internal static class GateRegistration
{
    /// <summary>Gate and webhooks. Registered after the database initializer: the webhook sender reads the database at start.</summary>
    public static void AddGate(this IServiceCollection services)
    {
        services.AddOptions<GateOptions>().BindConfiguration(GateOptions.Section);
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section);
        services.AddDeliveries();
        services.AddSingleton<IDeliveryChannel, WebhookChannel>();
        services.AddSingleton<WebhookService>();
        services.AddSingleton<GateService>();
    }
}

internal sealed class DataDirectoryInitializer(DataDirectory dataDir) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        dataDir.EnsureWritable();
        dataDir.ClearCredentialScratch();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal sealed class DataDirectoryTightener(DataDirectory dataDir) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        PrivateFiles.RestrictTree(dataDir.Root);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
