using System.Diagnostics;
using Ligbox.Testing.Dovecot;
using Ligbox.Testing.Imapsync;
using Ligbox.Testing.Processes;
using Ligbox.Tools.Imapsync;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Processes;
using Ligbox.Tools.Tests.NativeImap;
using MailKit;
using Microsoft.Extensions.Options;

namespace Ligbox.Tools.Tests.Imapsync;

/// <summary>The imapsync runner with the real imapsync 2.229 against real Dovecot servers (no replay).</summary>
[Collection(ImapServersCollection.Name)]
public sealed class RealImapsyncRunnerTests(ImapServersFixture servers) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("lbx-imapsync-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private ImapsyncRunner Runner() => new(new CliWrapProcessRunner(), Options.Create(new ImapsyncSettings
    {
        ImapsyncPath = RealImapsync.Path,
        LogDirectory = Path.Combine(_work, "logs"),
        WorkDirectory = Path.Combine(_work, "private"),
    }));

    private static ImapsyncEndpoint Side(ImapEndpoint endpoint) => new() { Host = endpoint.Host, Port = endpoint.Port, User = endpoint.User, Password = endpoint.Secret };

    private static ImapsyncOptions Run(ImapEndpoint source, ImapEndpoint destination) => new() { Host1 = Side(source), Host2 = Side(destination) };

    private string[] PrivateFiles() => Directory.Exists(Path.Combine(_work, "private"))
        ? Directory.GetFiles(Path.Combine(_work, "private"), "*", SearchOption.AllDirectories)
        : [];

    [Fact]
    public async Task Preflight_LogsInOnBothSides()
    {
        var (source, destination) = (servers.NewAccount(servers.Source, "isl"), servers.NewAccount(servers.Destination, "isl"));

        var result = await Runner().PreflightAsync(Run(source, destination));

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(PrivateFiles());
    }

    [Fact]
    public async Task Preflight_Fails161_WhenTheSourcePasswordIsWrong()
    {
        var (source, destination) = (servers.NewAccount(servers.Source, "isb"), servers.NewAccount(servers.Destination, "isb"));

        var result = await Runner().PreflightAsync(Run(source with { Secret = "wrong" }, destination));

        Assert.Equal(161, result.ExitCode);
        Assert.Equal("EXIT_AUTHENTICATION_FAILURE_USER1", result.Exit.Name);
        Assert.Empty(PrivateFiles());
    }

    [Fact]
    public async Task InitialDeltaFinal_CopyWhatIsMissing_AndFinalFindsNothingMissing()
    {
        var (source, destination) = (servers.NewAccount(servers.Source, "isi"), servers.NewAccount(servers.Destination, "isi"));
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", Enumerable.Range(1, 5).Select(i => Mailbox.Message($"m{i}", MessageFlags.Seen, day: i)).ToArray());
        await Mailbox.SeedAsync(servers.Source, source, "Projects", Mailbox.Message("p1", MessageFlags.Flagged, day: 9));
        var runner = Runner();

        var initial = await runner.RunAsync(Run(source, destination));
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", Mailbox.Message("new 1", day: 20), Mailbox.Message("new 2", day: 21));
        var delta = await runner.RunAsync(Run(source, destination));
        var final = await runner.RunAsync(Run(source, destination));

        Assert.Equal((0, 6, 6L, 6L, 0), (initial.ExitCode, initial.Statistics.MessagesTransferred, initial.Statistics.SourceMessages!.Value, initial.Statistics.DestinationMessages!.Value, initial.Statistics.MissingOnDestination!.Value));
        Assert.Equal((0, 2, 6), (delta.ExitCode, delta.Statistics.MessagesTransferred, delta.Statistics.MessagesSkipped));
        Assert.Equal((0, 0, 8, 0), (final.ExitCode, final.Statistics.MessagesTransferred, final.Statistics.MessagesSkipped, final.Statistics.MissingOnDestination!.Value));
        Assert.Equal(7, await Mailbox.CountAsync(servers.Destination, destination, "INBOX"));
        Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "INBOX"), await Mailbox.SnapshotAsync(servers.Destination, destination, "INBOX"));
        Assert.NotNull(final.LogFilePath);
        Assert.Empty(PrivateFiles());
    }

    [Fact]
    public async Task Final_CountsAndNamesMessagesImapsyncLosesWhileExitingZero()
    {
        var (source, destination) = (servers.NewAccount(servers.Source, "isloss"), servers.NewAccount(servers.Destination, "isloss"));
        // Two without Message-Id or Received (imapsync ignores them), two sharing one Message-ID (copied once), one plain.
        await Mailbox.SeedAsync(servers.Source, source, "INBOX",
            Mailbox.Message("no id a", messageId: "", body: "a"), Mailbox.Message("no id b", messageId: "", body: "b"),
            Mailbox.Message("same id 1", messageId: "same@x", body: "1"), Mailbox.Message("same id 2", messageId: "same@x", body: "2"),
            Mailbox.Message("fine", messageId: "fine@x"));

        var final = await Runner().RunAsync(Run(source, destination));

        Assert.Equal(0, final.ExitCode);
        Assert.Equal(2, await Mailbox.CountAsync(servers.Destination, destination, "INBOX"));
        Assert.Equal(3, final.Statistics.MissingOnDestination);
        Assert.Equal(2, final.Statistics.Missing.Count);
        Assert.All(final.Statistics.Missing, m => Assert.Contains("ignored by imapsync", m.Subject, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OverQuota_Exits113_AndCountsWhatIsMissing()
    {
        var (source, destination) = (servers.NewAccount(servers.Source, "isq"), servers.NewAccount(servers.Quota, "isq"));
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", Enumerable.Range(1, 30).Select(i =>
            new SeedMessage(TestMessages.Create($"big {i}", bodyBytes: 60_000), MessageFlags.None, DateTimeOffset.UtcNow.AddDays(-i))).ToArray());

        var result = await Runner().RunAsync(Run(source, destination) with { ErrorsMax = 3 });

        Assert.Equal(113, result.ExitCode);
        Assert.Equal("EXIT_OVERQUOTA", result.Exit.Name);
        Assert.InRange(await Mailbox.CountAsync(servers.Quota, destination, "INBOX"), 1, 29);
        Assert.True(result.Statistics.Errors > 0);
        Assert.Empty(PrivateFiles());
    }

    [Fact]
    public async Task Cancel_KillsImapsync_AndLeavesNoPasswordFile()
    {
        var (source, destination) = (servers.NewAccount(servers.Source, "isc"), servers.NewAccount(servers.Destination, "isc"));
        await servers.Source.SeedMaildirAsync(source.User, "INBOX", Enumerable.Range(0, 3000).Select(i =>
            new SeedRawMessage(TestMessages.ToBytes(TestMessages.Create($"bulk {i}", bodyBytes: 3000)), DateTimeOffset.UtcNow.AddMinutes(-i))));
        using var cts = new CancellationTokenSource();
        var started = new TaskCompletionSource();
        var run = Runner().RunAsync(Run(source, destination), line =>
        {
            if (line.StartsWith("msg ", StringComparison.Ordinal))
            {
                started.TrySetResult();
            }
        }, cts.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var pids = Process.GetProcesses().Where(p => Cmdline(p.Id).Contains(_work, StringComparison.Ordinal)).Select(p => p.Id).ToList();
        Assert.NotEmpty(pids);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        foreach (var pid in pids)
        {
            await ProcessAssert.ExitsAsync(pid);
        }

        Assert.Empty(PrivateFiles());
    }

    private static string Cmdline(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }
}
