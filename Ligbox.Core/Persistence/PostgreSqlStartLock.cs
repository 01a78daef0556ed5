using Npgsql;

namespace Ligbox.Core.Persistence;

/// <summary>
/// PostgreSQL start-up (issue 17): a session advisory lock held while one node migrates the database and
/// creates Quartz's tables, so nodes that start at the same time take turns instead of racing on
/// <c>CREATE TABLE</c>. Released when disposed (or when the connection ends, if the node dies).
/// </summary>
internal sealed class PostgreSqlStartLock : IAsyncDisposable
{
    // Any constant shared by every node: "LIGBOX01" in ASCII.
    private const long LockKey = 0x4C4947424F583031;
    private const string QuartzScript = "Quartz.Impl.AdoJobStore.Schema.create_postgres.sql";
    private readonly NpgsqlConnection _connection;

    private PostgreSqlStartLock(NpgsqlConnection connection) => _connection = connection;

    public static async Task<PostgreSqlStartLock> AcquireAsync(string connectionString, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection);
        cmd.Parameters.AddWithValue("key", LockKey);
        await cmd.ExecuteNonQueryAsync(ct);
        return new PostgreSqlStartLock(connection);
    }

    /// <summary>
    /// Runs Quartz's own PostgreSQL schema script (embedded in Quartz, every statement "create if missing"),
    /// table prefix <c>QRTZ_</c> (Quartz's default); Quartz's <c>ProvisionSchema()</c> then finds every table there and only checks it.
    /// </summary>
    public static async Task ProvisionQuartzAsync(PostgreSqlStartLock held, CancellationToken ct)
    {
        await using var stream = typeof(Quartz.IScheduler).Assembly.GetManifestResourceStream(QuartzScript)
            ?? throw new InvalidOperationException($"Quartz ships no {QuartzScript}: the Quartz package is not the one this console was built with.");
        using var reader = new StreamReader(stream);
        var script = (await reader.ReadToEndAsync(ct)).Replace("{0}", "QRTZ_").Replace("{1}", "QRTZ_");
        // Statements are separated by a line reading exactly "--;;" (the header mentions the separator in prose too).
        foreach (var statement in System.Text.RegularExpressions.Regex.Split(script, @"^--;;[ \t]*\r?$", System.Text.RegularExpressions.RegexOptions.Multiline))
        {
            if (statement.Split('\n').All(l => l.TrimStart().StartsWith("--", StringComparison.Ordinal) || string.IsNullOrWhiteSpace(l)))
            {
                continue;
            }

            await using var cmd = new NpgsqlCommand(statement, held._connection);
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", _connection);
            cmd.Parameters.AddWithValue("key", LockKey);
            await cmd.ExecuteNonQueryAsync();
        }
        finally
        {
            await _connection.DisposeAsync();
        }
    }
}
