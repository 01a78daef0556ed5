using System.Diagnostics;

namespace Ligbox.Tools.NativeImap;

/// <summary>Caps messages/s and bytes/s by delaying callers that run ahead of the allowed rate.</summary>
internal sealed class Throttle(double messagesPerSecond, double bytesPerSecond)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private long _messages;
    private long _bytes;

    public bool Enabled => messagesPerSecond > 0 || bytesPerSecond > 0;

    public async Task WaitAsync(int messages, long bytes, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return;
        }

        TimeSpan wait;
        lock (_lock)
        {
            _messages += messages;
            _bytes += bytes;
            var due = Math.Max(
                messagesPerSecond > 0 ? _messages / messagesPerSecond : 0,
                bytesPerSecond > 0 ? _bytes / bytesPerSecond : 0);
            wait = TimeSpan.FromSeconds(due) - _clock.Elapsed;
        }

        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken);
        }
    }
}
