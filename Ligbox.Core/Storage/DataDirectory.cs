namespace Ligbox.Core.Storage;

public sealed class LigboxOptions
{
    public const string Section = "Ligbox";

    /// <summary>The data directory (T021): database, keys, uploads, logs, quarantine.</summary>
    public string DataDir { get; set; } = "data";

    /// <summary>Connection string; empty means a SQLite file <c>ligbox.db</c> in the data directory.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Helpdesk ticket URL, with <c>{ticket}</c> replaced by the job's ticket id.</summary>
    public string? TicketUrlTemplate { get; set; }

    public AdminOptions Admin { get; set; } = new();

    public BootstrapOptions Bootstrap { get; set; } = new();
}

public sealed class AdminOptions
{
    public string Email { get; set; } = "admin@ligbox.local";
    public string? Password { get; set; }
}

public sealed class BootstrapOptions
{
    /// <summary>An initial admin API token with every scope, for provisioning; stored hashed.</summary>
    public string? ApiToken { get; set; }
}

/// <summary>The resolved data directory and its fixed layout.</summary>
public sealed class DataDirectory
{
    public DataDirectory(string path)
    {
        Root = Path.GetFullPath(path);
    }

    public string Root { get; }
    public string DatabaseFile => Path.Combine(Root, "ligbox.db");
    public string Keys => Path.Combine(Root, "keys");
    public string Uploads => Path.Combine(Root, "uploads");
    public string Logs => Path.Combine(Root, "logs");
    public string Quarantine => Path.Combine(Root, "quarantine");
    public string Work => Path.Combine(Root, "work");

    public IEnumerable<string> AllDirectories => [Root, Keys, Uploads, Logs, Quarantine, Work];

    /// <summary>
    /// Creates the layout and proves it is writable. Start-up stops here with a message naming the
    /// directory rather than failing later in the middle of a sync.
    /// </summary>
    public void EnsureWritable()
    {
        foreach (var dir in AllDirectories)
        {
            try
            {
                Directory.CreateDirectory(dir);
                var probe = Path.Combine(dir, $".write-probe-{Environment.ProcessId}");
                File.WriteAllText(probe, "ok");
                File.Delete(probe);
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
            {
                throw new InvalidOperationException(
                    $"The data directory '{dir}' is not writable ({ex.Message}). Set Ligbox:DataDir to a writable " +
                    "directory or fix its permissions, then start again.", ex);
            }
        }
    }
}
