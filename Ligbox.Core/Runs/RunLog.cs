using Ligbox.Core.Storage;

namespace Ligbox.Core.Runs;

/// <summary>A run's readable log file <c>logs/{jobId}/{runId}.log</c>; known secrets are replaced before writing.</summary>
public sealed class RunLog : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly Lock _lock = new();
    private IReadOnlyList<string> _secrets;
    private readonly TimeProvider _clock;

    public RunLog(string path, IEnumerable<string> secrets, TimeProvider clock)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _writer = new StreamWriter(PrivateFile.Open(path, FileMode.Append, FileShare.ReadWrite | FileShare.Delete)) { AutoFlush = true };
        _secrets = secrets.Where(s => s.Length >= 3).Distinct().OrderByDescending(s => s.Length).ToList();
        _clock = clock;
    }

    /// <summary>Adds a secret learnt during the run (a renewed OAuth 2.0 access token): redacted from every later line.</summary>
    public void AddSecret(string secret)
    {
        if (secret.Length < 3)
        {
            return;
        }

        lock (_lock)
        {
            _secrets = _secrets.Append(secret).Distinct().OrderByDescending(s => s.Length).ToList();
        }
    }

    public static string PathFor(DataDirectory dataDir, Guid jobId, Guid runId) =>
        Path.Combine(dataDir.Logs, jobId.ToString("N"), runId.ToString("N") + ".log");

    /// <summary>Writes one line and returns it as written (redacted, with its time stamp).</summary>
    public string Write(string? mailbox, string message)
    {
        var text = Redact(message.ReplaceLineEndings(" "));
        var line = $"{_clock.GetUtcNow().UtcDateTime:yyyy-MM-dd HH:mm:ss} {(mailbox is null ? "" : $"[{mailbox}] ")}{text}";
        lock (_lock)
        {
            _writer.WriteLine(line);
        }

        return line;
    }

    public string Redact(string text)
    {
        foreach (var secret in _secrets)
        {
            text = text.Replace(secret, "*****", StringComparison.Ordinal);
        }

        return text;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _writer.Dispose();
        }
    }
}
