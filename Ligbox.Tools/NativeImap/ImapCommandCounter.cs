using System.Collections.Concurrent;
using System.Text;
using MailKit;

namespace Ligbox.Tools.NativeImap;

/// <summary>
/// Counts the IMAP commands the engine sends, by verb (<c>FETCH</c>, <c>APPEND</c>, <c>STATUS</c>…;
/// <c>UID FETCH</c> counts as <c>FETCH</c>). Lets tests and operators check that a no-change delta
/// fetches nothing.
/// </summary>
public sealed class ImapCommandCounter
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, long> _ticks = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How many commands with this verb were sent.</summary>
    public long Count(string command) => _counts.TryGetValue(command, out var n) ? n : 0;

    /// <summary>
    /// Wall time spent waiting for this verb's tagged responses, summed over connections (commands that overlap on
    /// several connections are each counted): where a pass spends its time on the wire.
    /// </summary>
    public TimeSpan Elapsed(string command) => _ticks.TryGetValue(command, out var t) ? TimeSpan.FromTicks(t) : TimeSpan.Zero;

    /// <summary>"VERB count time" for every verb seen, slowest first (for benchmarks and logs).</summary>
    public string Describe() => string.Join(", ", _counts.Keys
        .OrderByDescending(v => Elapsed(v))
        .Select(v => $"{v} {Count(v)} {Elapsed(v).TotalMilliseconds:0} ms"));

    /// <summary>A copy of every count.</summary>
    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(_counts, StringComparer.OrdinalIgnoreCase);

    /// <summary>Resets every count to zero.</summary>
    public void Reset()
    {
        _counts.Clear();
        _ticks.Clear();
    }

    internal void AddElapsed(string verb, TimeSpan elapsed) => _ticks.AddOrUpdate(verb, elapsed.Ticks, (_, t) => t + elapsed.Ticks);

    /// <summary>Counts a command line; returns its tag and verb (null for anything that is not a command).</summary>
    internal (string Tag, string Verb)? Observe(ReadOnlySpan<byte> line)
    {
        // A command line is "TAG VERB ..." or "TAG UID VERB ..."; MailKit tags are a letter and digits.
        // Literal continuations (message bodies) do not start with such a tag.
        if (line.Length < 4 || line[0] < 'A' || line[0] > 'Z' || !char.IsAsciiDigit((char)line[1]))
        {
            return null;
        }

        var text = Encoding.ASCII.GetString(line[..Math.Min(line.Length, 64)]);
        var parts = text.Split(' ', 4);
        if (parts.Length < 2 || !parts[0].Skip(1).All(char.IsAsciiDigit))
        {
            return null;
        }

        var verb = parts[1].Trim();
        if (verb.Equals("UID", StringComparison.OrdinalIgnoreCase) && parts.Length > 2)
        {
            verb = parts[2].Trim();
        }

        verb = verb.ToUpperInvariant();
        _counts.AddOrUpdate(verb, 1, (_, n) => n + 1);
        return (parts[0], verb);
    }
}

/// <summary>
/// The protocol logger given to every MailKit client: feeds the <see cref="ImapCommandCounter"/> and,
/// when configured, forwards to MailKit's file <see cref="ProtocolLogger"/>, which redacts
/// authentication secrets (LOGIN/AUTHENTICATE payloads) using the client's secret detector.
/// </summary>
internal sealed class CountingProtocolLogger(ImapCommandCounter counter, ProtocolLogger? inner) : IProtocolLogger
{
    private IAuthenticationSecretDetector? _detector;
    // Commands of this connection waiting for their tagged response: tag → (verb, start). One client, so one
    // command at a time in practice; a dictionary keeps it right if MailKit ever pipelines.
    private readonly Dictionary<string, (string Verb, long Start)> _pending = new(StringComparer.Ordinal);

    public IAuthenticationSecretDetector? AuthenticationSecretDetector
    {
        get => _detector;
        set
        {
            _detector = value;
            if (inner is not null)
            {
                inner.AuthenticationSecretDetector = value;
            }
        }
    }

    public void LogConnect(Uri uri) => inner?.LogConnect(uri);

    public void LogClient(byte[] buffer, int offset, int count)
    {
        if (counter.Observe(buffer.AsSpan(offset, count)) is { } command)
        {
            lock (_pending)
            {
                _pending[command.Tag] = (command.Verb, System.Diagnostics.Stopwatch.GetTimestamp());
            }
        }

        inner?.LogClient(buffer, offset, count);
    }

    public void LogServer(byte[] buffer, int offset, int count)
    {
        lock (_pending)
        {
            if (_pending.Count > 0)
            {
                CompleteTagged(buffer.AsSpan(offset, count));
            }
        }

        inner?.LogServer(buffer, offset, count);
    }

    /// <summary>Finds "TAG OK|NO|BAD" at the start of a line for a pending command and records its time.</summary>
    private void CompleteTagged(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            // Tagged responses start with the client's tag: a capital letter and digits, then a space.
            if (data.Length > 2 && data[0] >= 'A' && data[0] <= 'Z' && char.IsAsciiDigit((char)data[1]))
            {
                var space = data[..Math.Min(data.Length, 16)].IndexOf((byte)' ');
                if (space > 0)
                {
                    var tag = System.Text.Encoding.ASCII.GetString(data[..space]);
                    if (_pending.Remove(tag, out var command))
                    {
                        counter.AddElapsed(command.Verb, System.Diagnostics.Stopwatch.GetElapsedTime(command.Start));
                    }
                }
            }

            var end = data.IndexOf((byte)'\n');
            if (end < 0)
            {
                return;
            }

            data = data[(end + 1)..];
        }
    }

    public void Dispose() => inner?.Dispose();
}
