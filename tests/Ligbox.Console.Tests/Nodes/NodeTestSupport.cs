using Ligbox.Console.Tests.Infrastructure;

namespace Ligbox.Console.Tests.Nodes;

/// <summary>Settings and in-process web nodes shared by the tests that start several nodes on one PostgreSQL (issue 17).</summary>
internal static class NodeTestSupport
{
    /// <summary>A node on <paramref name="cs"/> with a fast heartbeat; <paramref name="extra"/> adds or replaces settings.</summary>
    public static Dictionary<string, string?> NodeSettings(string cs, string id, string role, IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Ligbox:Database:Provider"] = "PostgreSQL",
            ["Ligbox:Database:ConnectionString"] = cs,
            ["Ligbox:Node:Id"] = id,
            ["Ligbox:Node:Role"] = role,
            ["Ligbox:Node:HeartbeatInterval"] = "00:00:01",
            ["Ligbox:Node:HeartbeatTimeout"] = "00:00:06",
            // Two runs at a time per worker: six runs cannot all land on the first worker that polls.
            ["Ligbox:Node:MaxConcurrentRuns"] = "2",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Removes the nodes' shared data directory; one still in use is left to the temp directory's cleanup.</summary>
    public static void DeleteDataDir(string dataDir)
    {
        try
        {
            Directory.Delete(dataDir, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned with the temp directory eventually.
        }
    }

    public static IDictionary<string, string?> Merge(IDictionary<string, string?> settings, IDictionary<string, string?> node)
    {
        foreach (var (key, value) in node)
        {
            settings[key] = value;
        }

        return settings;
    }
}

/// <summary>A web node: the real console in process (test server) on a shared data directory and PostgreSQL.</summary>
internal sealed class WebNode(string dataDir, Dictionary<string, string?> settings) : LigboxAppFactory(dataDir)
{
    protected override IDictionary<string, string?> Settings => NodeTestSupport.Merge(base.Settings, settings);
}

/// <summary>A web node on real Kestrel, for SignalR clients and the browser.</summary>
internal sealed class KestrelWebNode(string dataDir, Dictionary<string, string?> settings) : LigboxKestrelAppFactory(dataDir)
{
    protected override IDictionary<string, string?> Settings => NodeTestSupport.Merge(base.Settings, settings);
}

/// <summary>
/// The test classes that start several nodes on PostgreSQL (a PostgreSQL server, worker processes, Dovecot) run one after
/// another, not at once: together on a 2-core machine they starve each other's workers. The take-over test, which needs
/// both workers running at once, failed here when it ran beside the others on a loaded machine (the second worker got no
/// run in 240 s) and passed on its own.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PostgreSqlNodesCollection
{
    public const string Name = "Nodes on PostgreSQL";
}
