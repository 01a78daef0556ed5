using Ligbox.Testing.Imapsync;
using Ligbox.Tools.Engines;
using Ligbox.Tools.Imapsync;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Processes;
using Microsoft.Extensions.Options;

namespace Ligbox.Tools.Tests.Imapsync;

/// <summary>
/// Issue 15: an OAuth 2.0 side reaches imapsync as <c>--oauthaccesstoken1</c> naming its 0600 token file (never the
/// token in argv), and a job's throttling as <c>--maxmessagespersecond</c>/<c>--maxbytespersecond</c> (fake imapsync).
/// </summary>
public sealed class ImapsyncOAuthArgumentsTests : IDisposable
{
    private const string Token = "eyJhbGciOiJSUzI1NiJ9.access-token-that-must-not-leak";
    private readonly FakeImapsync _fake = new();
    private readonly string _data = Directory.CreateTempSubdirectory("ligbox-imapsync-oauth-").FullName;

    public void Dispose()
    {
        _fake.Dispose();
        Directory.Delete(_data, recursive: true);
    }

    private sealed class Lines : IProgress<SyncProgressEvent>
    {
        public List<string> All { get; } = [];

        public void Report(SyncProgressEvent value)
        {
            lock (All)
            {
                if (value.Message is { } line)
                {
                    All.Add(line);
                }
            }
        }
    }

    [Fact]
    public async Task AnOAuthSource_GoesAsATokenFile_AndTheJobsRatesAsOptions()
    {
        _fake.Replay("delta-sync.log");
        var settings = Options.Create(new ImapsyncSettings
        {
            ImapsyncPath = _fake.ExecutablePath,
            LogDirectory = Path.Combine(_data, "logs"),
            WorkDirectory = Path.Combine(_data, "work"),
        });
        var engine = new ImapsyncMigrationEngine(new ImapsyncRunner(new CliWrapProcessRunner(), settings), settings, TimeProvider.System);
        var lines = new Lines();

        var result = await engine.SyncAsync(new EngineRunContext { JobId = Guid.NewGuid(), RunId = Guid.NewGuid(), RunKind = "delta", LogRoot = Path.Combine(_data, "logs") },
            new SyncRequest
            {
                Source = new ImapEndpoint("imap.gmail.com", 993, ImapSecurity.Ssl, "ana@example.com", Token, ImapAuthMechanism.XOAuth2),
                Destination = new ImapEndpoint("imap.new.example", 993, ImapSecurity.Ssl, "ana@example.com", "dst-pw"),
                MaxMessagesPerSecond = 4,
                MaxBytesPerSecond = 40_000,
                MailboxKey = Guid.NewGuid().ToString(),
            }, lines, default);

        Assert.True(result.Succeeded, result.Failure?.Message);
        var argv = lines.All.Single(l => l.StartsWith("FAKE argv: ", StringComparison.Ordinal));
        // The option's value (the token file's path) is masked in logs like every credential option.
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(argv, @"--passfile1 \S+passfile1 --oauthaccesstoken1 MASKED --ssl1"), argv);
        Assert.DoesNotContain("--oauthaccesstoken2", argv, StringComparison.Ordinal);
        Assert.Contains("--maxmessagespersecond 4 --maxbytespersecond 40000", argv, StringComparison.Ordinal);
        Assert.DoesNotContain(lines.All, l => l.Contains(Token, StringComparison.Ordinal));
    }
}
