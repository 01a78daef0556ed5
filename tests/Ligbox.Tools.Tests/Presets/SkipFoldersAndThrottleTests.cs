using System.Diagnostics;
using Ligbox.Testing.Dovecot;
using Ligbox.Testing.Imapsync;
using Ligbox.Tools.Engines;
using Ligbox.Tools.Imapsync;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Processes;
using MailKit;
using Microsoft.Extensions.Options;

namespace Ligbox.Tools.Tests.Presets;

/// <summary>
/// A Gmail-like source on a real Dovecot: INBOX and a label folder hold the mail, and <c>[Gmail]/All Mail</c> and
/// <c>[Gmail]/Starred</c> show the same messages again. The Gmail preset's folders to skip (the patterns
/// <c>Ligbox.Core.Jobs.ProviderPresets.GmailVirtualFolders</c> holds) keep them from being copied twice, with the
/// native engine and the real imapsync; a preset's rate limit slows the native engine and reaches imapsync's argv.
/// </summary>
public sealed class SkipFoldersAndThrottleTests : DovecotPairTest, IDisposable
{
    // The patterns as the Gmail preset sets them (Core is not referenced from Tools tests; ProviderPresetsTests pins the same list).
    private static readonly string[] GmailSkip =
    [
        "[Gmail]/All Mail", "[Gmail]/Important", "[Gmail]/Starred", "[Gmail]/Chats",
        "[Google Mail]/All Mail", "[Google Mail]/Important", "[Google Mail]/Starred", "[Google Mail]/Chats",
    ];

    private const string User = "gina@example.com";
    private readonly string _work = Directory.CreateTempSubdirectory("lbx-presets-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private async Task SeedGmailLikeAsync()
    {
        Source.AddUser(User, "src-pw");
        Destination.AddUser(User, "dst-pw");
        var inbox = Enumerable.Range(0, 3).Select(i => Seed($"inbox {i}")).ToList();
        var label = new[] { Seed("label work") };
        await Source.AppendAsync(User, "src-pw", "INBOX", inbox);
        await Source.AppendAsync(User, "src-pw", "Work", label);
        // All Mail holds every message again (plus an archived one), Starred one of them again.
        await Source.AppendAsync(User, "src-pw", "[Gmail]/All Mail", [.. inbox, .. label, Seed("archived")]);
        await Source.AppendAsync(User, "src-pw", "[Gmail]/Starred", [inbox[0]]);
    }

    private static SeedMessage Seed(string subject) => new(TestMessages.Create(subject), MessageFlags.Seen, DateTimeOffset.UtcNow.AddDays(-1));

    private SyncRequest Request(double? messagesPerSecond = null) => new()
    {
        Source = new ImapEndpoint(Source.Host, Source.Port, ImapSecurity.None, User, "src-pw"),
        Destination = new ImapEndpoint(Destination.Host, Destination.Port, ImapSecurity.None, User, "dst-pw"),
        Kind = SyncKind.Initial,
        Mapping = new FolderMappingOptions { Exclude = GmailSkip },
        MaxMessagesPerSecond = messagesPerSecond,
        MailboxKey = Guid.NewGuid().ToString(),
    };

    private async Task AssertCopiedOnceAsync()
    {
        Assert.Equal(3, await Destination.CountMessagesAsync(User, "INBOX"));
        Assert.Equal(1, await Destination.CountMessagesAsync(User, "Work"));
        using var client = await Destination.ConnectAsync(User, "dst-pw");
        var folders = (await client.GetFoldersAsync(client.PersonalNamespaces[0])).Select(f => f.FullName).ToList();
        Assert.DoesNotContain(folders, f => f.Contains("All Mail", StringComparison.Ordinal) || f.Contains("Starred", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NativeEngine_LeavesGmailsVirtualFoldersOut_SoNoMessageIsCopiedTwice()
    {
        await SeedGmailLikeAsync();

        var statistics = await new NativeImapSyncEngine(new NativeImapOptions()).SyncAsync(Request(), new InMemorySyncStateStore());

        Assert.Equal(0, statistics.Errors);
        Assert.Equal(4, statistics.MessagesTransferred);
        await AssertCopiedOnceAsync();
    }

    [Fact]
    public async Task RealImapsync_LeavesGmailsVirtualFoldersOut_AndGetsThePresetsRateLimit()
    {
        await SeedGmailLikeAsync();
        var settings = Options.Create(new ImapsyncSettings
        {
            ImapsyncPath = RealImapsync.Path,
            LogDirectory = Path.Combine(_work, "logs"),
            WorkDirectory = Path.Combine(_work, "private"),
        });
        var engine = new ImapsyncMigrationEngine(new ImapsyncRunner(new CliWrapProcessRunner(), settings), settings, TimeProvider.System);

        var result = await engine.SyncAsync(new EngineRunContext { JobId = Guid.NewGuid(), RunId = Guid.NewGuid(), RunKind = "initial", LogRoot = Path.Combine(_work, "logs") },
            Request(messagesPerSecond: 50) with { MaxBytesPerSecond = 5_000_000 }, null, default);

        Assert.True(result.Succeeded, result.Failure?.Message);
        await AssertCopiedOnceAsync();
        var log = File.ReadAllText(Directory.EnumerateFiles(Path.Combine(_work, "logs"), "*.log", SearchOption.AllDirectories).Single());
        Assert.Contains("--maxmessagespersecond 50", log);
        Assert.Contains("--maxbytespersecond 5000000", log);
    }

    [Fact]
    public async Task NativeEngine_KeepsToThePresetsMessagesPerSecond()
    {
        Source.AddUser(User, "src-pw");
        Destination.AddUser(User, "dst-pw");
        await Source.AppendAsync(User, "src-pw", "INBOX", Enumerable.Range(0, 12).Select(i => Seed($"m {i}")));

        var clock = Stopwatch.StartNew();
        var statistics = await new NativeImapSyncEngine(new NativeImapOptions()).SyncAsync(Request(messagesPerSecond: 4), new InMemorySyncStateStore());
        clock.Stop();

        Assert.Equal(12, statistics.MessagesTransferred);
        // 12 messages at 4 per second cannot take less than 3 s (unthrottled this copy takes well under a second).
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2.9), $"took {clock.Elapsed.TotalSeconds:F2} s");
    }
}
