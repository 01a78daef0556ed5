using System.Text.RegularExpressions;
using Ligbox.Core.Jobs;
using Ligbox.Core.Storage;
using Ligbox.Core.Sync;
using Ligbox.Testing.Imapsync;
using Ligbox.Tools.Imapsync;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Processes;
using Ligbox.Tools.Statistics;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Tests.Sync;

/// <summary><see cref="ImapsyncPass"/> on the real runner (CliWrap) and the fake imapsync replaying real logs.</summary>
public sealed class ImapsyncPassTests : IDisposable
{
    private readonly FakeImapsync _fake = new();
    private readonly string _data = Directory.CreateTempSubdirectory("ligbox-imapsync-pass-").FullName;

    public void Dispose()
    {
        _fake.Dispose();
        Directory.Delete(_data, recursive: true);
    }

    private ImapsyncPass Pass(string? imapsyncPath = null)
    {
        var settings = Options.Create(new ImapsyncSettings
        {
            ImapsyncPath = imapsyncPath ?? _fake.ExecutablePath,
            LogDirectory = Path.Combine(_data, "logs", "imapsync"),
            WorkDirectory = Path.Combine(_data, "work", "imapsync"),
        });
        return new ImapsyncPass(new ImapsyncRunner(new CliWrapProcessRunner(), settings), settings, new DataDirectory(_data), TimeProvider.System);
    }

    private static MigrationJob Job(JobOptions? options = null) => new("example.com", "", null,
        new ServerEndpoint { Host = "imap.old.example", Port = 993 }, new ServerEndpoint { Host = "imap.new.example", Port = 993 },
        SyncEngineKind.Imapsync, options ?? new JobOptions(), "test", DateTime.UtcNow);

    private static SyncRequest Request(string user, FolderMappingOptions? mapping = null) => new()
    {
        Source = new ImapEndpoint("imap.old.example", 993, ImapSecurity.Ssl, user, "src-secret-" + user),
        Destination = new ImapEndpoint("imap.new.example", 993, ImapSecurity.Ssl, user, "dst-secret-" + user),
        Mapping = mapping ?? new FolderMappingOptions(),
        MailboxKey = Guid.NewGuid().ToString(),
    };

    private sealed class Events : IProgress<SyncProgressEvent>
    {
        private int _active;

        public List<SyncProgressEvent> All { get; } = [];

        public int MaxActive { get; private set; }

        public void Report(SyncProgressEvent value)
        {
            lock (All)
            {
                All.Add(value);
                _active += value.Stage switch { SyncProgressStage.MailboxStarted => 1, SyncProgressStage.MailboxCompleted => -1, _ => 0 };
                MaxActive = Math.Max(MaxActive, _active);
            }
        }
    }

    [Fact]
    public async Task RunsAtMostMaxParallelMailboxesAtOnce_AndReturnsResultsInRequestOrder()
    {
        _fake.Replay("justlogin-ok.log", firstPause: 0.6);
        var requests = new[] { Request("a@example.com"), Request("b@example.com"), Request("c@example.com") };
        var events = new Events();

        var results = await Pass().PreflightManyAsync(new ImapsyncPassContext(Job(), Guid.NewGuid(), "preflight"), requests, 2, events, default);

        Assert.Equal(requests, results.Select(r => r.Request));
        Assert.All(results, r => Assert.True(r.Succeeded));
        Assert.Equal(2, events.MaxActive);
    }

    [Fact]
    public async Task PassesFolderSelectionAgeAndPrefixToImapsync_AsSeparateArguments()
    {
        _fake.Replay("delta-sync.log");
        var events = new Events();
        var job = Job(new JobOptions { MaxMessageAgeDays = 30 });
        var request = Request("a@example.com", new FolderMappingOptions
        {
            Include = ["INBOX", "Archive/*"],
            Exclude = ["Junk"],
            Overrides = new Dictionary<string, string> { ["Old Stuff"] = "Archive/Old" },
            DestinationPrefix = "Imported",
        });

        var results = await Pass().SyncManyAsync(new ImapsyncPassContext(job, Guid.NewGuid(), "delta"), [request], 1, events, default);

        Assert.True(results[0].Succeeded);
        var argv = events.All.Select(e => e.Message).OfType<string>().Single(l => l.StartsWith("FAKE argv: ", StringComparison.Ordinal))["FAKE argv: ".Length..];
        Assert.Contains("--include ^INBOX$ --include ^Archive[/.].*$ --exclude ^Junk$", argv, StringComparison.Ordinal);
        Assert.Contains("--maxage 30", argv, StringComparison.Ordinal);
        Assert.Contains(@"--regextrans2 s{^\QOld Stuff\E$}{Archive/Old} --regextrans2 s{^}{Imported/}", argv, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", argv, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Inbox\"; system(\"id\"); \"")]
    [InlineData("a}{b")]
    [InlineData("$ENV{HOME}")]
    public async Task RefusesFolderMappingsImapsyncWouldEvaluate_WithoutStartingIt(string folder)
    {
        var request = Request("a@example.com", new FolderMappingOptions { Overrides = new Dictionary<string, string> { [folder] = "Archive" } });

        var results = await Pass().SyncManyAsync(new ImapsyncPassContext(Job(), Guid.NewGuid(), "initial"), [request], 1, null, default);

        Assert.False(results[0].Succeeded);
        Assert.Contains("cannot take safely", results[0].Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Throws409Message_WhenImapsyncIsNotInstalled()
    {
        var pass = Pass("/nonexistent/ligbox/imapsync");

        var ex = await Assert.ThrowsAsync<DomainException>(() =>
            pass.SyncManyAsync(new ImapsyncPassContext(Job(), Guid.NewGuid(), "initial"), [Request("a@example.com")], 1, null, default));

        Assert.Contains("scripts/install-migration-tools.sh", ex.Message, StringComparison.Ordinal);
        Assert.Equal(ex.Message, pass.UnavailableReason());
        Assert.Null(Pass().UnavailableReason());
    }

    [Theory]
    [InlineData(161, "authentication failed for src@example.com on the source (imap.old.example): check the password", ImapFailureKind.AuthenticationFailed, ImapSide.Source)]
    [InlineData(162, "authentication failed for dst@example.com on the destination (imap.new.example): check the password", ImapFailureKind.AuthenticationFailed, ImapSide.Destination)]
    [InlineData(101, "the source server imap.old.example:993 could not be reached", ImapFailureKind.ConnectionRefused, ImapSide.Source)]
    [InlineData(102, "the destination server imap.new.example:993 could not be reached", ImapFailureKind.ConnectionRefused, ImapSide.Destination)]
    [InlineData(113, "the destination mailbox dst@example.com is over quota: free space or raise its quota", ImapFailureKind.QuotaExceeded, ImapSide.Destination)]
    [InlineData(112, "imapsync failed for src@example.com: the sync stopped because it reached the maximum number of errors", ImapFailureKind.Unknown, ImapSide.Source)]
    [InlineData(250, "imapsync failed for src@example.com: imapsync exited with an unexpected code 250", ImapFailureKind.Unknown, ImapSide.Source)]
    public void DescribesTheFailureInPlainWords_ForEachExitCode(int code, string expected, ImapFailureKind kind, ImapSide side)
    {
        var request = new SyncRequest
        {
            Source = new ImapEndpoint("imap.old.example", 993, ImapSecurity.Ssl, "src@example.com", "x"),
            Destination = new ImapEndpoint("imap.new.example", 993, ImapSecurity.Ssl, "dst@example.com", "y"),
        };
        var result = new ImapsyncRunResult(code, ImapsyncExitCodes.Describe(code), new SyncStatistics(), null, TimeSpan.Zero, null);

        var failure = ImapsyncFailures.Describe(result, request, Job());

        Assert.StartsWith(expected, failure.Message, StringComparison.Ordinal);
        Assert.EndsWith($"(imapsync exit {code}, {result.Exit.Name}).", failure.Message, StringComparison.Ordinal);
        Assert.Equal(kind, failure.Kind);
        Assert.Equal(side, failure.Side);
    }

    [Theory]
    [InlineData("INBOX", "INBOX", true)]
    [InlineData("INBOX", "INBOX/Sub", false)]
    [InlineData("Archive/*", "Archive/2020", true)]
    [InlineData("Archive/*", "Archive.2020", true)]
    [InlineData("Archive/*", "Archives", false)]
    [InlineData("Sent ?tems", "Sent Items", true)]
    [InlineData("Work (old)", "Work (old)", true)]
    public void GlobBecomesAnAnchoredRegex_MatchingWhatTheNativeEngineMatches(string glob, string folder, bool matches) =>
        Assert.Equal(matches, Regex.IsMatch(folder, ImapsyncPass.GlobToRegex(glob)));
}
