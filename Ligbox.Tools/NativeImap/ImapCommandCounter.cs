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

    /// <summary>How many commands with this verb were sent.</summary>
    public long Count(string command) => _counts.TryGetValue(command, out var n) ? n : 0;

    /// <summary>A copy of every count.</summary>
    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(_counts, StringComparer.OrdinalIgnoreCase);

    /// <summary>Resets every count to zero.</summary>
    public void Reset() => _counts.Clear();

    internal void Observe(ReadOnlySpan<byte> line)
    {
        // A command line is "TAG VERB ..." or "TAG UID VERB ..."; MailKit tags are a letter and digits.
        // Literal continuations (message bodies) do not start with such a tag.
        if (line.Length < 4 || line[0] < 'A' || line[0] > 'Z' || !char.IsAsciiDigit((char)line[1]))
        {
            return;
        }

        var text = Encoding.ASCII.GetString(line[..Math.Min(line.Length, 64)]);
        var parts = text.Split(' ', 4);
        if (parts.Length < 2 || !parts[0].Skip(1).All(char.IsAsciiDigit))
        {
            return;
        }

        var verb = parts[1].Trim();
        if (verb.Equals("UID", StringComparison.OrdinalIgnoreCase) && parts.Length > 2)
        {
            verb = parts[2].Trim();
        }

        _counts.AddOrUpdate(verb.ToUpperInvariant(), 1, (_, n) => n + 1);
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
        counter.Observe(buffer.AsSpan(offset, count));
        inner?.LogClient(buffer, offset, count);
    }

    public void LogServer(byte[] buffer, int offset, int count) => inner?.LogServer(buffer, offset, count);

    public void Dispose() => inner?.Dispose();
}
