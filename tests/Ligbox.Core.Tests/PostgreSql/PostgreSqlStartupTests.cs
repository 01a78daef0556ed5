using Ligbox.Core.Persistence;
using Ligbox.Core.Tests.Infrastructure;
using Ligbox.Testing.PostgreSql;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Quartz;

namespace Ligbox.Core.Tests.PostgreSql;

/// <summary>Start-up on a real PostgreSQL (issue 17): migrations, Quartz's tables, the clustered scheduler, nodes starting together.</summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlStartupTests(PostgreSqlServer pg)
{
    [Fact]
    public async Task Start_MigratesTheDatabase_CreatesQuartzTables_AndRunsAClusteredScheduler()
    {
        await using var host = await CoreHost.StartAsync(postgres: pg);
        var database = host.Services.GetRequiredService<LigboxDatabase>();
        Assert.Equal(DatabaseProvider.PostgreSQL, database.Provider);

        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var cmd = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'", connection))
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        Assert.Contains("Runs", tables);
        Assert.Contains("__EFMigrationsHistory", tables);
        Assert.Contains("qrtz_locks", tables);
        Assert.Contains("qrtz_scheduler_state", tables);

        var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var meta = await scheduler.GetMetadata();
        Assert.True(meta.JobStoreClustered);
        Assert.Equal("ligbox", meta.SchedulerName);
    }

    [Fact]
    public async Task TwoNodes_StartingTogetherOnANewDatabase_BothStart()
    {
        var cs = await pg.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?> { ["Ligbox:Database:Provider"] = "PostgreSQL", ["Ligbox:Database:ConnectionString"] = cs };
        var starts = await Task.WhenAll(CoreHost.StartAsync(settings), CoreHost.StartAsync(settings));
        try
        {
            await using var connection = new NpgsqlConnection(cs);
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT count(*) FROM \"AspNetUsers\"", connection);
            Assert.Equal(1L, (long)(await cmd.ExecuteScalarAsync())!); // one first admin, not two
        }
        finally
        {
            foreach (var host in starts)
            {
                await host.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task PostgreSql_WithoutAConnectionString_FailsAtStart_InPlainWords()
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => CoreHost.StartAsync(new Dictionary<string, string?> { ["Ligbox:Database:Provider"] = "PostgreSQL" }));
        Assert.Contains("Ligbox:Database:ConnectionString", ex.Message);
    }
}
