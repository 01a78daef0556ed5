using Ligbox.Tools.NativeImap;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>
/// A folder the server answers NO to open, once: Dovecot 2.3 creates a listed special-use folder on its first SELECT,
/// and two connections of a new account doing that at once can leave one answered NO "Mailbox already exists" (the
/// other's process killed on fcntl EDEADLK). The bench's row 1 failed a whole mailbox on it. The pass asks once more;
/// a second NO fails it with a message naming the folder.
/// </summary>
[Collection(ImapServersCollection.Name)]
public sealed class NativeImapOpenRefusedTests(ImapServersFixture servers)
{
    private async Task<(ImapEndpoint Source, ImapEndpoint Destination)> SeedAsync()
    {
        var source = servers.NewAccount(servers.Source, "refused-src");
        var destination = servers.NewAccount(servers.Destination, "refused-dst");
        await Mailbox.SeedAsync(servers.Source, source, "Pasta", Enumerable.Range(0, 5).Select(i => Mailbox.Message($"pasta {i}", day: i + 1)).ToArray());
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", Mailbox.Message("entrada", day: 9));
        return (source, destination);
    }

    private sealed class Log : IProgress<SyncProgressEvent>
    {
        public List<string> Lines { get; } = [];

        public void Report(SyncProgressEvent value)
        {
            if (value.Stage == SyncProgressStage.Log && value.Message is { } message)
            {
                lock (Lines)
                {
                    Lines.Add(message);
                }
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AFolderAnsweredNoOnce_IsOpenedAgain_AndCopied(bool onTheSource)
    {
        var (source, destination) = await SeedAsync();
        await using var relay = new RefusingRelay(onTheSource ? servers.Source.Port : servers.Destination.Port, "Pasta", refusals: 1);
        var request = new SyncRequest
        {
            Source = onTheSource ? source with { Port = relay.Port } : source,
            Destination = onTheSource ? destination : destination with { Port = relay.Port },
            Kind = SyncKind.Initial,
        };
        var log = new Log();

        var stats = await new NativeImapSyncEngine(new NativeImapOptions()).SyncAsync(request, new InMemorySyncStateStore(), log);

        Assert.Equal(1, relay.Refused);
        Assert.Equal(6, stats.MessagesTransferred);
        Assert.Equal(0, stats.Errors);
        Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "Pasta"), await Mailbox.SnapshotAsync(servers.Destination, destination, "Pasta"));
        var side = onTheSource ? "the source answered EXAMINE Pasta" : "the destination answered SELECT Pasta";
        Assert.Contains(log.Lines, l => l.Contains(side, StringComparison.Ordinal) && l.Contains("Mailbox already exists", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AFolderAnsweredNoTwice_FailsThePass_NamingTheFolderAndTheServersAnswer()
    {
        var (source, destination) = await SeedAsync();
        await using var relay = new RefusingRelay(servers.Destination.Port, "Pasta", refusals: 2);
        var request = new SyncRequest { Source = source, Destination = destination with { Port = relay.Port }, Kind = SyncKind.Initial };

        var error = await Assert.ThrowsAsync<ImapSyncException>(() => new NativeImapSyncEngine(new NativeImapOptions()).SyncAsync(request, new InMemorySyncStateStore()));

        Assert.Equal(2, relay.Refused);
        Assert.Equal(ImapFailureKind.Folder, error.Failure.Kind);
        Assert.Equal(ImapSide.Destination, error.Failure.Side);
        Assert.Equal("folder Pasta could not be opened on the destination: Mailbox already exists (0.001 + 0.000 secs).", error.Failure.Message);
    }
}
