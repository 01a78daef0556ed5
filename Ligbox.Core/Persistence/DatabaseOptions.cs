using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Persistence;

/// <summary>Which database the console uses (issue 17).</summary>
public enum DatabaseProvider
{
    /// <summary>One SQLite file in the data directory: the default, for one process on one machine.</summary>
    Sqlite,

    /// <summary>PostgreSQL: for several nodes (web and workers) sharing one database and Quartz's clustered store.</summary>
    PostgreSQL,
}

/// <summary><c>Ligbox:Database</c>: the provider and its connection string.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Ligbox:Database";

    /// <summary><c>Sqlite</c> (default) or <c>PostgreSQL</c>.</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>
    /// The connection string. SQLite: empty means <c>ligbox.db</c> in the data directory (the older
    /// <c>Ligbox:ConnectionString</c> is still read). PostgreSQL: required, e.g.
    /// <c>Host=db;Port=5432;Database=ligbox;Username=ligbox;Password=...</c>.
    /// </summary>
    public string? ConnectionString { get; set; }
}

/// <summary>The resolved provider and connection string, one per process.</summary>
public sealed record LigboxDatabase(DatabaseProvider Provider, string ConnectionString)
{
    /// <summary>The assembly that holds the PostgreSQL migration set (loaded by name: Core does not reference it).</summary>
    public const string PostgreSqlMigrationsAssembly = "Ligbox.Migrations.PostgreSql";

    public bool IsPostgreSql => Provider == DatabaseProvider.PostgreSQL;

    /// <summary>Configures EF Core for this provider, with the matching migration set.</summary>
    public DbContextOptionsBuilder Configure(DbContextOptionsBuilder options) => Provider switch
    {
        DatabaseProvider.PostgreSQL => options.UseNpgsql(ConnectionString, o => o.MigrationsAssembly(PostgreSqlMigrationsAssembly)),
        _ => options.UseSqlite(ConnectionString, s => s.MigrationsAssembly(typeof(LigboxDbContext).Assembly.FullName))
            .AddInterceptors(new SqlitePragmaInterceptor()),
    };

    /// <summary>Resolves <c>Ligbox:Database</c> (and the older <c>Ligbox:ConnectionString</c>) against the data directory.</summary>
    public static LigboxDatabase Resolve(DatabaseOptions? database, string? legacyConnectionString, string sqliteFile)
    {
        var provider = database?.Provider ?? DatabaseProvider.Sqlite;
        var cs = !string.IsNullOrWhiteSpace(database?.ConnectionString) ? database.ConnectionString
            : !string.IsNullOrWhiteSpace(legacyConnectionString) ? legacyConnectionString
            : null;
        if (provider == DatabaseProvider.PostgreSQL)
        {
            // An empty string is reported by the options validator at start; design time never opens it.
            return new LigboxDatabase(provider, cs ?? "");
        }

        return new LigboxDatabase(provider, cs ?? $"Data Source={sqliteFile};Cache=Shared;Pooling=true");
    }
}
