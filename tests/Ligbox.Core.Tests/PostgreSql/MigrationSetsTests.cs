using Ligbox.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Ligbox.Core.Tests.PostgreSql;

/// <summary>
/// The SQLite and the PostgreSQL migration sets are kept in step (issue 17): each set's snapshot is the
/// current model for its provider (no pending model changes), and both snapshots describe the same tables,
/// columns, keys, indexes and foreign keys.
/// </summary>
public class MigrationSetsTests
{
    private static LigboxDbContext Context(DatabaseProvider provider)
    {
        var options = new DbContextOptionsBuilder<LigboxDbContext>();
        new LigboxDatabase(provider, provider == DatabaseProvider.Sqlite ? "Data Source=:memory:" : "Host=127.0.0.1;Database=unused").Configure(options);
        return new LigboxDbContext(options.Options);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSQL)]
    public void EachMigrationSet_MatchesTheCurrentModel(DatabaseProvider provider)
    {
        using var db = Context(provider);
        Assert.NotEmpty(db.Database.GetMigrations());
        Assert.False(db.Database.HasPendingModelChanges(),
            $"The {provider} migration set is behind the model: add a migration to it (docs/database.md says how, for both sets).");
    }

    [Fact]
    public void TheTwoMigrationSets_LiveInTheirOwnAssemblies()
    {
        using var sqlite = Context(DatabaseProvider.Sqlite);
        using var postgres = Context(DatabaseProvider.PostgreSQL);
        Assert.Equal(typeof(LigboxDbContext).Assembly, sqlite.GetService<IMigrationsAssembly>().Assembly);
        Assert.Equal(LigboxDatabase.PostgreSqlMigrationsAssembly, postgres.GetService<IMigrationsAssembly>().Assembly.GetName().Name);
    }

    [Fact]
    public void BothSnapshots_DescribeTheSameSchema()
    {
        using var sqlite = Context(DatabaseProvider.Sqlite);
        using var postgres = Context(DatabaseProvider.PostgreSQL);
        var a = Describe(sqlite.GetService<IMigrationsAssembly>().ModelSnapshot!.Model);
        var b = Describe(postgres.GetService<IMigrationsAssembly>().ModelSnapshot!.Model);
        Assert.True(a.Count > 100, "the snapshot describes the whole model");
        Assert.Equal(a.Except(b).ToList(), []);
        Assert.Equal(b.Except(a).ToList(), []);
    }

    /// <summary>Provider-neutral lines: tables, columns (CLR type, nullability, length, concurrency token), keys, indexes, foreign keys.</summary>
    private static SortedSet<string> Describe(IModel model)
    {
        var lines = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var entity in model.GetEntityTypes())
        {
            var table = entity.GetTableName() ?? entity.GetViewName() ?? entity.Name;
            lines.Add($"table {table}");
            foreach (var p in entity.GetProperties())
            {
                var clr = Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType;
                lines.Add($"column {table}.{p.GetColumnName()} {clr.Name} null={p.IsNullable} max={p.GetMaxLength()} token={p.IsConcurrencyToken}");
            }

            foreach (var key in entity.GetKeys())
            {
                lines.Add($"key {table} ({string.Join(",", key.Properties.Select(p => p.GetColumnName()))}) primary={key.IsPrimaryKey()}");
            }

            foreach (var index in entity.GetIndexes())
            {
                lines.Add($"index {table} ({string.Join(",", index.Properties.Select(p => p.GetColumnName()))}) unique={index.IsUnique} filter={index.GetFilter() is not null}");
            }

            foreach (var fk in entity.GetForeignKeys())
            {
                lines.Add($"fk {table} ({string.Join(",", fk.Properties.Select(p => p.GetColumnName()))}) -> {fk.PrincipalEntityType.GetTableName()} {fk.DeleteBehavior}");
            }
        }

        return lines;
    }
}
