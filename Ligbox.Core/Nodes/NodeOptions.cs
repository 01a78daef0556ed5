namespace Ligbox.Core.Nodes;

/// <summary>What a console process does (issue 17): <c>Ligbox:Node:Role</c>.</summary>
public enum NodeRole
{
    /// <summary>UI, API and runs: the default, and the only role on SQLite.</summary>
    All,

    /// <summary>UI and API only: queues runs on the clustered scheduler but executes none.</summary>
    Web,

    /// <summary>Runs only: no UI and no API, only <c>/healthz</c>.</summary>
    Worker,
}

/// <summary><c>Ligbox:Node</c>: this process as one node of a deployment.</summary>
public sealed class NodeOptions
{
    public const string Section = "Ligbox:Node";

    /// <summary>
    /// The node's stable id (letters, digits, <c>.</c>, <c>-</c>, <c>_</c>; at most 100). Empty: the host name. Two
    /// processes on one host and one database need different ids; keep an id across restarts so a restarted node
    /// resumes its own runs at once.
    /// </summary>
    public string? Id { get; set; }

    /// <summary><c>all</c> (default), <c>web</c> or <c>worker</c>; web and worker need PostgreSQL.</summary>
    public NodeRole Role { get; set; } = NodeRole.All;

    /// <summary>How often the node writes its heartbeat (and, on PostgreSQL, looks for runs of dead nodes).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A node whose last heartbeat is older than this is dead: another node takes over its runs.</summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Runs this node executes at the same time (its scheduler's threads); mailboxes are capped by <c>Ligbox:Runs:MaxConcurrentMailboxes</c>.</summary>
    public int MaxConcurrentRuns { get; set; } = 4;

    /// <summary>
    /// On PostgreSQL, how often an idle node asks the clustered scheduler for queued runs: a run queued on a web node
    /// starts on a worker within about this long (Quartz's own idle wait is 30 s). One small query per node and interval.
    /// </summary>
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The failures of these settings in plain words (empty when they are fine).</summary>
    public IEnumerable<string> Problems(bool postgreSql)
    {
        if (Id is { Length: > 0 } id && (id.Length > 100 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')))
        {
            yield return "Ligbox:Node:Id must be at most 100 letters, digits, '.', '-' or '_' (empty: the host name).";
        }

        if (Role != NodeRole.All && !postgreSql)
        {
            yield return $"Ligbox:Node:Role is {Role.ToString().ToLowerInvariant()}, which needs several nodes on one database: set Ligbox:Database:Provider " +
                "to PostgreSQL, or use the role all (the default) with SQLite.";
        }

        if (HeartbeatInterval < TimeSpan.FromMilliseconds(200) || HeartbeatInterval > TimeSpan.FromMinutes(5))
        {
            yield return "Ligbox:Node:HeartbeatInterval must be between 00:00:00.2 and 00:05:00 (default 00:00:05).";
        }

        if (HeartbeatTimeout < 3 * HeartbeatInterval)
        {
            yield return "Ligbox:Node:HeartbeatTimeout must be at least three heartbeat intervals (default 00:00:30 for an interval of 00:00:05): " +
                "a shorter one would take over runs of a node that is only slow.";
        }

        if (QueuePollInterval < TimeSpan.FromSeconds(1) || QueuePollInterval > TimeSpan.FromMinutes(1))
        {
            yield return "Ligbox:Node:QueuePollInterval must be between 00:00:01 and 00:01:00 (default 00:00:02).";
        }

        if (MaxConcurrentRuns is < 1 or > 64)
        {
            yield return "Ligbox:Node:MaxConcurrentRuns must be between 1 and 64 (default 4).";
        }
    }
}
