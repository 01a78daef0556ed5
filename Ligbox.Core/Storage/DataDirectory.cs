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

    /// <summary><c>Ligbox:Network:AllowedHosts</c>: the IMAP servers jobs may use (empty: any).</summary>
    public Security.NetworkOptions Network { get; set; } = new();

    /// <summary><c>Ligbox:Database</c>: <c>Provider</c> (Sqlite or PostgreSQL) and <c>ConnectionString</c> (issue 17).</summary>
    public Persistence.DatabaseOptions Database { get; set; } = new();

    /// <summary><c>Ligbox:Node</c>: this process's node id, role (all, web, worker) and heartbeat (issue 17).</summary>
    public Nodes.NodeOptions Node { get; set; } = new();
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
        // Private to the console's user (issue 12): every directory 0700, so no other user reaches anything
        // inside; the database and its -wal/-shm are set 0600 once migrations have created them, uploads
        // and keys are written 0600, and any other file (logs, quarantine, older versions' files) is set to
        // 0600 at every start. No process-wide umask: it would also apply to everything else in the process.
        foreach (var dir in AllDirectories)
        {
            try
            {
                PrivateFiles.CreateDirectory(dir);
                PrivateFiles.Restrict(dir);
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

        // Files of an older version (0644), and logs and quarantine of earlier runs, become private too.
        PrivateFiles.RestrictTree(Root);
    }

    /// <summary>The scratch areas where imapsync's passfiles and doveadm's per-run configs (which hold passwords) live.</summary>
    public IEnumerable<string> CredentialScratch => [Path.Combine(Work, "imapsync"), Path.Combine(Work, "doveadm")];

    /// <summary>
    /// At start, before any run: a process killed mid-run (kill -9, power loss) never reached the code that deletes
    /// its passfiles and doveadm configs, so whatever is left in those areas belongs to no running tool and goes now.
    /// A resumed run writes fresh ones. Returns how many entries were removed.
    /// </summary>
    public int ClearCredentialScratch()
    {
        var removed = 0;
        foreach (var area in CredentialScratch)
        {
            if (!Directory.Exists(area))
            {
                continue;
            }

            foreach (var entry in new DirectoryInfo(area).EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo dir)
                {
                    dir.Delete(recursive: true);
                }
                else
                {
                    entry.Delete();
                }

                removed++;
            }
        }

        return removed;
    }
}

/// <summary>
/// Start-up checks of <c>Ligbox:*</c> (issue 12): each failure names its setting, and the console does not
/// start with a value it would later ignore or misuse (a bootstrap token it can never accept, for example).
/// </summary>
public sealed partial class LigboxOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<LigboxOptions>
{
    [System.Text.RegularExpressions.GeneratedRegex("^lgbx_[A-Za-z0-9_-]{20,195}$")]
    private static partial System.Text.RegularExpressions.Regex BootstrapTokenPattern();

    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, LigboxOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDir) || options.DataDir.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            failures.Add("Ligbox:DataDir must be a directory path (default: data).");
        }

        if (options.Database.Provider == Persistence.DatabaseProvider.PostgreSQL
            && string.IsNullOrWhiteSpace(options.Database.ConnectionString) && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add("Ligbox:Database:Provider is PostgreSQL but Ligbox:Database:ConnectionString is empty: set it, e.g. " +
                "Host=db;Port=5432;Database=ligbox;Username=ligbox;Password=... (or use the default provider Sqlite).");
        }

        failures.AddRange(options.Node.Problems(options.Database.Provider == Persistence.DatabaseProvider.PostgreSQL)); // issue 17

        if (options.Bootstrap.ApiToken is { } token && !string.IsNullOrWhiteSpace(token) && !BootstrapTokenPattern().IsMatch(token.Trim()))
        {
            failures.Add("Ligbox:Bootstrap:ApiToken must start with 'lgbx_' followed by 20 to 195 letters, digits, '-' or '_' " +
                "(e.g. lgbx_ plus the output of `openssl rand -base64 32 | tr '+/' '-_' | tr -d '='`); any other value would never be accepted as a bearer token.");
        }

        if (!string.IsNullOrWhiteSpace(options.TicketUrlTemplate)
            && (!Uri.TryCreate(options.TicketUrlTemplate.Replace("{ticket}", "1", StringComparison.Ordinal), UriKind.Absolute, out var url)
                || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)))
        {
            failures.Add("Ligbox:TicketUrlTemplate must be an absolute http(s) URL, e.g. https://desk.example.com/tickets/{ticket}.");
        }

        if (string.IsNullOrWhiteSpace(options.Admin.Email) || !options.Admin.Email.Contains('@', StringComparison.Ordinal))
        {
            failures.Add("Ligbox:Admin:Email must be an e-mail address.");
        }

        foreach (var pattern in options.Network.AllowedHosts.Where(p => !Security.NetworkAllowList.IsValidPattern(p)))
        {
            failures.Add($"Ligbox:Network:AllowedHosts: '{pattern}' is not a host, *.domain, CIDR network or *, with an optional :port.");
        }

        if (options.Admin.Password is { Length: > 0 and < 10 })
        {
            failures.Add("Ligbox:Admin:Password must be at least 10 characters.");
        }

        return failures.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(failures);
    }
}
