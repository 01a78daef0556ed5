using System.Text.RegularExpressions;
using Ligbox.Testing.Imapsync;
using Ligbox.Tools.Engines;
using Ligbox.Tools.Imapsync;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Processes;
using Ligbox.Tools.Statistics;
using Microsoft.Extensions.Options;

namespace Ligbox.Tools.Tests.Imapsync;

/// <summary><see cref="ImapsyncMigrationEngine"/> on the real runner (CliWrap) and the fake imapsync replaying real logs.</summary>
public sealed class ImapsyncMigrationEngineTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 2, 30, 0, TimeSpan.Zero);
    private readonly FakeImapsync _fake = new();
    private readonly string _data = Directory.CreateTempSubdirectory("ligbox-imapsync-engine-").FullName;

    public void Dispose()
    {
        _fake.Dispose();
        Directory.Delete(_data, recursive: true);
    }

    private ImapsyncMigrationEngine Engine(string? imapsyncPath = null)
    {
        var settings = Options.Create(new ImapsyncSettings
        {
            ImapsyncPath = imapsyncPath ?? _fake.ExecutablePath,
            LogDirectory = Path.Combine(_data, "logs", "imapsync"),
            WorkDirectory = Path.Combine(_data, "work", "imapsync"),
        });
        return new ImapsyncMigrationEngine(new ImapsyncRunner(new CliWrapProcessRunner(), settings), settings, new FixedClock(Now));
    }

    private EngineRunContext Context(string kind) => new()
    {
        JobId = Guid.NewGuid(),
        RunId = Guid.NewGuid(),
        RunKind = kind,
        LogRoot = Path.Combine(_data, "logs"),
    };

    private static SyncRequest Request(string user, FolderMappingOptions? mapping = null, DateTimeOffset? notBefore = null) => new()
    {
        Source = new ImapEndpoint("imap.old.example", 993, ImapSecurity.Ssl, user, "src-secret-" + user),
        Destination = new ImapEndpoint("imap.new.example", 993, ImapSecurity.Ssl, user, "dst-secret-" + user),
        Mapping = mapping ?? new FolderMappingOptions(),
        MailboxKey = Guid.NewGuid().ToString(),
        NotBefore = notBefore,
    };

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class Events : IProgress<SyncProgressEvent>
    {
        public List<SyncProgressEvent> All { get; } = [];

        public void Report(SyncProgressEvent value)
        {
            lock (All)
            {
                All.Add(value);
            }
        }

        public string Argv => All.Select(e => e.Message).OfType<string>().Single(l => l.StartsWith("FAKE argv: ", StringComparison.Ordinal))["FAKE argv: ".Length..];
    }

    [Fact]
    public async Task PreflightLogsInOnly_AndReportsTheMailboxStartedAndCompleted()
    {
        _fake.Replay("justlogin-ok.log");
        var events = new Events();
        var request = Request("a@example.com");

        var result = await Engine().PreflightAsync(Context("preflight"), request, events, default);

        Assert.Equal(("imapsync", true), (result.Engine, result.LoginsOnly));
        Assert.Empty(result.Failures);
        Assert.Contains("--justlogin", events.Argv, StringComparison.Ordinal);
        Assert.Equal([SyncProgressStage.MailboxStarted, SyncProgressStage.MailboxCompleted],
            events.All.Where(e => e.Stage is SyncProgressStage.MailboxStarted or SyncProgressStage.MailboxCompleted).Select(e => e.Stage));
        Assert.All(events.All, e => Assert.Equal(request.EffectiveMailboxKey, e.MailboxKey));
    }

    [Fact]
    public async Task PassesFolderSelectionAgeAndPrefixToImapsync_AsSeparateArguments_AndLogsUnderTheRunsDirectory()
    {
        _fake.Replay("delta-sync.log");
        var events = new Events();
        var context = Context("delta");
        var request = Request("a@example.com", new FolderMappingOptions
        {
            Include = ["INBOX", "Archive/*"],
            Exclude = ["Junk"],
            Overrides = new Dictionary<string, string> { ["Old Stuff"] = "Archive/Old" },
            DestinationPrefix = "Imported",
        }, notBefore: Now.AddDays(-30));
        var engine = Engine();

        var result = await engine.SyncAsync(context, request, events, default);

        Assert.True(result.Succeeded);
        var argv = events.Argv;
        Assert.Contains("--include ^INBOX$ --include ^Archive[/.].*$ --exclude ^Junk$", argv, StringComparison.Ordinal);
        Assert.Contains("--maxage 30", argv, StringComparison.Ordinal);
        Assert.Contains(@"--regextrans2 s{^\QOld Stuff\E$}{Archive/Old} --regextrans2 s{^}{Imported/}", argv, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", argv, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(_data, "logs", "imapsync", context.JobId.ToString("N"), context.RunId.ToString("N")), engine.LogDirectoryFor(context));
        Assert.NotEmpty(Directory.EnumerateFiles(engine.LogDirectoryFor(context), "*", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("Inbox\"; system(\"id\"); \"")]
    [InlineData("a}{b")]
    [InlineData("$ENV{HOME}")]
    public async Task RefusesFolderMappingsImapsyncWouldEvaluate_WithoutStartingIt(string folder)
    {
        var request = Request("a@example.com", new FolderMappingOptions { Overrides = new Dictionary<string, string> { [folder] = "Archive" } });
        var events = new Events();

        var result = await Engine().SyncAsync(Context("initial"), request, events, default);

        Assert.False(result.Succeeded);
        Assert.Contains("cannot take safely", result.Failure!.Message, StringComparison.Ordinal);
        Assert.Empty(events.All);
    }

    [Fact]
    public async Task SaysHowToInstallImapsync_WhenItIsNotInstalled()
    {
        var engine = Engine("/nonexistent/ligbox/imapsync");

        var result = await engine.SyncAsync(Context("initial"), Request("a@example.com"), null, default);

        Assert.Contains("scripts/install-migration-tools.sh", engine.UnavailableReason(), StringComparison.Ordinal);
        Assert.False(result.Succeeded);
        Assert.Equal(engine.UnavailableReason(), result.Failure!.Message);
        Assert.Null(Engine().UnavailableReason());
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

        var failure = ImapsyncFailures.Describe(result, request);

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
        Assert.Equal(matches, Regex.IsMatch(folder, ImapsyncMigrationEngine.GlobToRegex(glob)));
}
