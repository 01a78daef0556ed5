using Ligbox.Testing.Dovecot;
using Ligbox.Tools.Doveadm;
using Ligbox.Tools.Processes;
using MailKit;
using Microsoft.Extensions.Options;

namespace Ligbox.Tools.Tests.Doveadm;

/// <summary>Runs the real doveadm against a real Dovecot instance started for the test.</summary>
public class DoveadmRunnerTests : IAsyncLifetime
{
    private const string SourcePassword = @"s3c\ret!";
    private readonly DovecotServer _dovecot = new();
    private readonly RecordingProcessRunner _processRunner = new();

    public async Task InitializeAsync()
    {
        await _dovecot.StartAsync();
        _dovecot.AddUser("mig", SourcePassword);
        _dovecot.AddUser("dest", "x");
    }

    public Task DisposeAsync()
    {
        _dovecot.Dispose();
        return Task.CompletedTask;
    }

    private DoveadmRunner Runner(string? configFile = null) =>
        new(_processRunner, Options.Create(new DoveadmSettings { ConfigFile = configFile ?? _dovecot.ConfigPath }));

    /// <summary>Appends one small message to a folder of mig (created if missing) over IMAP.</summary>
    private Task SaveAsync(string folder, string subject) =>
        _dovecot.AppendAsync("mig", SourcePassword, folder, [new SeedMessage(TestMessages.Create(subject), MessageFlags.None, DateTimeOffset.UtcNow)]);

    private async Task CreateMailboxAsync(string user, string mailbox)
    {
        var result = await _dovecot.DoveadmAsync(["mailbox", "create", "-u", user, mailbox]);
        Assert.True(result.ExitCode == 0, $"doveadm mailbox create exited with {result.ExitCode}: {result.Output}");
    }

    [Fact]
    public async Task ReturnsDovecotVersion_WhenDovecotIsInstalled()
    {
        Assert.Matches(@"^2\.\d+\.\d+", await Runner().GetVersionAsync());
    }

    [Fact]
    public async Task ReturnsCountsPerMailbox_WhenUserHasMail()
    {
        await SaveAsync("INBOX", "one");
        await SaveAsync("INBOX", "two");
        await CreateMailboxAsync("mig", "Work");

        var status = (await Runner().MailboxStatusAsync("mig")).ToDictionary(s => s.Mailbox);

        Assert.Equal(2, status["INBOX"].Messages);
        Assert.True(status["INBOX"].VirtualSize > 0);
        Assert.Equal(3, status["INBOX"].UidNext);
        Assert.NotNull(status["INBOX"].UidValidity);
        Assert.Equal(0, status["Work"].Messages);
    }

    [Fact]
    public async Task CopiesRemoteAccountWithoutPasswordInArgv_WhenBackingUpFromImapc()
    {
        await SaveAsync("INBOX", "one");
        await SaveAsync("INBOX", "two");
        await CreateMailboxAsync("mig", "Work");
        await SaveAsync("Work", "three");
        _processRunner.OnStart = spec =>
        {
            var config = spec.Arguments[spec.Arguments.ToList().IndexOf("-c") + 1];
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
        };

        var result = await Runner().BackupFromImapcAsync("dest", new ImapcSource(_dovecot.Host, _dovecot.Port, "mig"), SourcePassword);
        _processRunner.OnStart = null;

        Assert.True(result.Succeeded, string.Join('\n', result.Output));
        var spec = Assert.Single(_processRunner.Specs);
        Assert.DoesNotContain(spec.Arguments, a => a.Contains("s3c", StringComparison.Ordinal));
        Assert.False(File.Exists(spec.Arguments[spec.Arguments.ToList().IndexOf("-c") + 1]));
        var dest = (await Runner().MailboxStatusAsync("dest")).ToDictionary(s => s.Mailbox, s => s.Messages);
        Assert.Equal(2, dest["INBOX"]);
        Assert.Equal(1, dest["Work"]);
    }

    [Fact]
    public async Task ThrowsWithPlainMeaning_WhenConfigIsMissing()
    {
        var ex = await Assert.ThrowsAsync<DoveadmException>(() => Runner("/nonexistent/dovecot.conf").MailboxStatusAsync("mig"));

        Assert.Equal(75, ex.Result.ExitCode);
        Assert.Contains("configuration could not be read", ex.Result.Meaning);
        Assert.Contains("/nonexistent/dovecot.conf", ex.Message);
    }

    private sealed class RecordingProcessRunner : IProcessRunner
    {
        private readonly CliWrapProcessRunner _inner = new();

        public List<ProcessSpec> Specs { get; } = [];

        public Action<ProcessSpec>? OnStart { get; set; }

        public Task<ToolResult> RunAsync(ProcessSpec spec, CancellationToken cancellationToken = default)
        {
            Specs.Add(spec);
            OnStart?.Invoke(spec);
            return _inner.RunAsync(spec, cancellationToken);
        }
    }
}
