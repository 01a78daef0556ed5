using Ligbox.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Ligbox.Migrations.PostgreSql;

/// <summary>
/// Used only by <c>dotnet ef</c> with this project as project and startup project: the PostgreSQL model,
/// no connection opened, nothing started.
/// </summary>
internal sealed class PostgreSqlDesignTimeDbContextFactory : IDesignTimeDbContextFactory<LigboxDbContext>
{
    public LigboxDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<LigboxDbContext>();
        new LigboxDatabase(DatabaseProvider.PostgreSQL, "Host=design-time;Database=ligbox").Configure(options);
        return new LigboxDbContext(options.Options);
    }
}
