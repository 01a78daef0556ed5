using Ligbox.Testing.PostgreSql;
using Ligbox.Tools;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ligbox.Core.Tests.Infrastructure;

/// <summary>
/// The real Core registrations on a real SQLite file in a temp data directory, with the start-up
/// initializers run (migrations, roles, first admin), as the console runs them. Given a
/// <see cref="PostgreSqlServer"/>, on a new database of that real PostgreSQL instead (issue 17).
/// </summary>
public sealed class CoreHost : IAsyncDisposable
{
    private readonly IHost _host;

    private CoreHost(IHost host, string dataDir)
    {
        _host = host;
        DataDir = dataDir;
    }

    public string DataDir { get; }

    public IServiceProvider Services => _host.Services;

    public static async Task<CoreHost> StartAsync(IDictionary<string, string?>? settings = null, Action<HostApplicationBuilder>? configure = null,
        PostgreSqlServer? postgres = null)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "ligbox-core-" + Guid.NewGuid().ToString("N")[..8]);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ligbox:DataDir"] = dataDir,
            ["Ligbox:Admin:Email"] = "admin@test.local",
            ["Ligbox:Admin:Password"] = "Admin-Password-1",
        });
        if (postgres is not null)
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Ligbox:Database:Provider"] = "PostgreSQL",
                ["Ligbox:Database:ConnectionString"] = await postgres.CreateDatabaseAsync(),
            });
        }

        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddLigboxCore();
        // As Program does: the run executor needs the engines.
        builder.Services.AddLigboxTools();
        // Last, so a test can replace what Core and Tools registered (e.g. every engine by a fake).
        configure?.Invoke(builder);
        var host = builder.Build();
        await host.StartAsync();
        return new CoreHost(host, dataDir);
    }

    public AsyncServiceScope Scope() => _host.Services.CreateAsyncScope();

    public T Get<T>(AsyncServiceScope scope) where T : notnull => scope.ServiceProvider.GetRequiredService<T>();

    /// <summary>A job for <paramref name="domain"/> with <paramref name="mailboxes"/> mailboxes imported from a CSV, as a technician makes it.</summary>
    public async Task<Guid> CreateJobWithMailboxesAsync(string domain, int mailboxes)
    {
        await using var scope = Scope();
        var job = await Get<Ligbox.Core.Jobs.JobService>(scope).CreateAsync(new Ligbox.Core.Jobs.CreateJobRequest
        {
            Domain = domain,
            Source = new() { Host = "old.example.com" },
            Destination = new() { Host = "new.example.com" },
        }, "tech@test");
        if (mailboxes > 0)
        {
            var csv = new System.Text.StringBuilder("source_user,source_password,dest_user,dest_password\n");
            for (var i = 0; i < mailboxes; i++)
            {
                csv.Append(System.FormattableString.Invariant($"u{i:D5}@{domain},pw-{i},u{i:D5}@new.{domain},pw-{i}\n"));
            }

            var result = await Get<Ligbox.Core.Mailboxes.MailboxService>(scope).ImportCsvAsync(job.Id, csv.ToString(), commit: true, "tech@test");
            Xunit.Assert.True(result.Committed, string.Join("; ", result.Errors.Select(e => e.Reason)));
        }

        return job.Id;
    }

    /// <summary>Changes rows directly (a state the services would take long to reach) and saves.</summary>
    public async Task WithDbAsync(Func<Ligbox.Core.Persistence.LigboxDbContext, Task> change)
    {
        await using var db = await Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Ligbox.Core.Persistence.LigboxDbContext>>().CreateDbContextAsync();
        await change(db);
        await db.SaveChangesAsync();
    }

    private bool _stopped;

    /// <summary>Stops the host (its hosted services' stop runs) and keeps its data directory until <see cref="DisposeAsync"/>.</summary>
    public async Task StopAsync()
    {
        _stopped = true;
        await _host.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            await _host.StopAsync();
        }

        _host.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Npgsql.NpgsqlConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open must not fail the test that already passed.
        }
    }
}
