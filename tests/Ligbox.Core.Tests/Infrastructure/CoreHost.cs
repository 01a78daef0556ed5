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
