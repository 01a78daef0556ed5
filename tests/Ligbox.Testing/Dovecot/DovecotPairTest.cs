using Xunit;

namespace Ligbox.Testing.Dovecot;

/// <summary>
/// A base for test classes that want a fresh source and destination Dovecot for each test (xunit creates the
/// class per test): both start before the test and stop after it.
/// </summary>
public abstract class DovecotPairTest : IAsyncLifetime
{
    protected DovecotServer Source { get; } = new();

    protected DovecotServer Destination { get; } = new();

    public Task InitializeAsync() => Task.WhenAll(Source.StartAsync(), Destination.StartAsync());

    public Task DisposeAsync()
    {
        Source.Dispose();
        Destination.Dispose();
        return Task.CompletedTask;
    }
}
