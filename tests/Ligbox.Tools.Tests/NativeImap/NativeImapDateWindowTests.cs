using Ligbox.Tools.NativeImap;
using MailKit;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>The job's date window (<see cref="SyncRequest.NotBefore"/>) on the native engine, against real Dovecot.</summary>
[Collection(ImapServersCollection.Name)]
public sealed class NativeImapDateWindowTests(ImapServersFixture servers)
{
    [Fact]
    public async Task CopiesOnlyMessagesInsideTheWindow_AndFinalVerifiesClean()
    {
        var source = servers.NewAccount(servers.Source, "win");
        var destination = servers.NewAccount(servers.Destination, "win");
        var old = Enumerable.Range(0, 67).Select(i => Mailbox.Message($"2024 {i}", MessageFlags.Seen) with
        {
            InternalDate = new DateTimeOffset(2024, 1 + i % 12, 1 + i % 28, 9, 30, 0, TimeSpan.FromHours(-3)),
        });
        var recent = Enumerable.Range(0, 5).Select(i => Mailbox.Message($"recent {i}") with { InternalDate = DateTimeOffset.UtcNow.AddDays(-2 * i - 1) });
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", [.. old, .. recent]);
        var state = new InMemorySyncStateStore();
        var engine = new NativeImapSyncEngine();
        SyncRequest Request(SyncKind kind) => new() { Source = source, Destination = destination, Kind = kind, NotBefore = DateTimeOffset.UtcNow.AddDays(-30) };

        var initial = await engine.SyncAsync(Request(SyncKind.Initial), state);
        var final = await engine.SyncAsync(Request(SyncKind.Final), state);

        Assert.Equal(5, initial.MessagesTransferred);
        Assert.Equal(0, initial.MessagesSkipped);
        Assert.Equal(67, initial.MessagesOutOfWindow);
        Assert.Equal(5, initial.SourceMessages);
        Assert.Equal(67, initial.Folders.Single(f => f.SourceFolder == "INBOX").OutOfWindow);
        Assert.Equal(5, await Mailbox.CountAsync(servers.Destination, destination, "INBOX"));
        Assert.Equal(0, final.MessagesTransferred);
        Assert.Equal(5, final.MessagesSkipped);
        Assert.Equal(0, final.MissingOnDestination);
        Assert.Empty(final.Missing);
        Assert.Equal(67, final.MessagesOutOfWindow);
    }

    [Fact]
    public async Task TheWindowIsAnInstant_NotADay()
    {
        var source = servers.NewAccount(servers.Source, "edge");
        var destination = servers.NewAccount(servers.Destination, "edge");
        var notBefore = new DateTimeOffset(2025, 6, 10, 12, 0, 0, TimeSpan.Zero);
        // Same UTC day as the limit, an hour before and after it; and one written in another time zone
        // whose local date is the next day but whose instant is before the limit.
        await Mailbox.SeedAsync(servers.Source, source, "INBOX",
            Mailbox.Message("before") with { InternalDate = notBefore.AddHours(-1) },
            Mailbox.Message("after") with { InternalDate = notBefore.AddHours(1) },
            Mailbox.Message("other zone, before") with { InternalDate = new DateTimeOffset(2025, 6, 11, 1, 0, 0, TimeSpan.FromHours(14)) });

        var stats = await new NativeImapSyncEngine().SyncAsync(
            new SyncRequest { Source = source, Destination = destination, Kind = SyncKind.Final, NotBefore = notBefore }, new InMemorySyncStateStore());

        Assert.Equal((1, 2L, 0), (stats.MessagesTransferred, stats.MessagesOutOfWindow ?? -1, stats.MissingOnDestination ?? -1));
        Assert.Equal(1, await Mailbox.CountAsync(servers.Destination, destination, "INBOX"));
    }

    [Fact]
    public async Task WithoutAWindow_NothingIsCountedOutOfWindow()
    {
        var source = servers.NewAccount(servers.Source, "nowin");
        var destination = servers.NewAccount(servers.Destination, "nowin");
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", Mailbox.Message("2021"), Mailbox.Message("2021 too", day: 2));

        var stats = await new NativeImapSyncEngine().SyncAsync(new SyncRequest { Source = source, Destination = destination }, new InMemorySyncStateStore());

        Assert.Equal(2, stats.MessagesTransferred);
        Assert.Null(stats.MessagesOutOfWindow);
    }
}
