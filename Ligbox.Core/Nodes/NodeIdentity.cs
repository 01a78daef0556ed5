using System.Reflection;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Nodes;

/// <summary>This process as a node: its id, role and the instance id of this start.</summary>
public sealed class NodeIdentity
{
    public NodeIdentity(IOptions<NodeOptions> options)
    {
        var o = options.Value;
        Host = Environment.MachineName;
        Id = string.IsNullOrWhiteSpace(o.Id) ? Host : o.Id.Trim();
        Role = o.Role;
        InstanceId = Guid.NewGuid();
        var assembly = typeof(NodeIdentity).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        // Without the source link's "+commit" suffix when it is long: the page shows a version, not a hash.
        Version = informational is { Length: > 0 } v ? (v.IndexOf('+', StringComparison.Ordinal) is var plus and > 0 && v.Length - plus > 13 ? v[..(plus + 13)] : v)
            : assembly.GetName().Version?.ToString() ?? "unknown";
    }

    public string Id { get; }

    public NodeRole Role { get; }

    public string Host { get; }

    public string Version { get; }

    public Guid InstanceId { get; }

    /// <summary>Whether this node executes runs (its scheduler is started): all and worker.</summary>
    public bool RunsWork => Role != NodeRole.Web;

    /// <summary>Whether this node serves the UI and the API: all and web.</summary>
    public bool ServesUi => Role != NodeRole.Worker;
}
