using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ligbox.Core.Nodes;

/// <summary>
/// One console process of the deployment and its heartbeat (issue 17). Written only by that process's
/// <see cref="NodeHeartbeatService"/>; read by the run take-over (a node whose heartbeat is stale is dead) and the Nodes page.
/// </summary>
public sealed class ConsoleNode
{
    private ConsoleNode()
    {
    }

    public ConsoleNode(string id, NodeRole role, string host, string version, Guid instanceId, int maxConcurrentRuns, int maxConcurrentMailboxes, DateTime nowUtc)
    {
        Id = id;
        Role = role;
        Host = host;
        AppVersion = version;
        InstanceId = instanceId;
        MaxConcurrentRuns = maxConcurrentRuns;
        MaxConcurrentMailboxes = maxConcurrentMailboxes;
        StartedAtUtc = nowUtc;
        HeartbeatAtUtc = nowUtc;
    }

    public string Id { get; private set; } = "";
    public NodeRole Role { get; private set; }
    public string Host { get; private set; } = "";
    public string AppVersion { get; private set; } = "";

    /// <summary>The process behind the id now (a new one on every start): two processes with one id show up as a changing instance.</summary>
    public Guid InstanceId { get; private set; }

    public int MaxConcurrentRuns { get; private set; }
    public int MaxConcurrentMailboxes { get; private set; }
    public DateTime StartedAtUtc { get; private set; }
    public DateTime HeartbeatAtUtc { get; private set; }

    /// <summary>Set when the node stopped cleanly: it is dead at once, without waiting for the heartbeat timeout.</summary>
    public DateTime? StoppedAtUtc { get; private set; }

    /// <summary>Whether the node counts as alive at <paramref name="nowUtc"/>.</summary>
    public bool IsAlive(DateTime nowUtc, TimeSpan timeout) => StoppedAtUtc is null && nowUtc - HeartbeatAtUtc <= timeout;
}

internal sealed class ConsoleNodeConfiguration : IEntityTypeConfiguration<ConsoleNode>
{
    public void Configure(EntityTypeBuilder<ConsoleNode> b)
    {
        b.ToTable("Nodes");
        b.HasKey(n => n.Id);
        b.Property(n => n.Id).HasMaxLength(100);
        b.Property(n => n.Role).HasConversion<string>().HasMaxLength(20);
        b.Property(n => n.Host).HasMaxLength(256);
        b.Property(n => n.AppVersion).HasMaxLength(100);
    }
}
