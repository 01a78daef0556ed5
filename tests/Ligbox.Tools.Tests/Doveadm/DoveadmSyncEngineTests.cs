using System.Diagnostics;
using System.Text;
using Ligbox.Testing.Dovecot;
using Ligbox.Testing.Processes;
using Ligbox.Tools.Doveadm;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Processes;
using Ligbox.Tools.Tests.NativeImap;
using MailKit;
using Microsoft.Extensions.Options;

namespace Ligbox.Tools.Tests.Doveadm;

/// <summary>
/// The doveadm engine with the real doveadm against two real Dovecot servers: the destination is the Dovecot
/// whose configuration the engine is given, the source is reached over IMAP (imapc).
/// </summary>
public sealed class DoveadmSyncEngineTests : DovecotPairTest, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("lbx-dsync-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private DoveadmSyncEngine Engine(string? doveadmPath = null) => new(new CliWrapProcessRunner(), Options.Create(new DoveadmSettings
    {
        ConfigFile = Destination.ConfigPath,
        WorkDirectory = _work,
        DoveadmPath = doveadmPath ?? "doveadm",
    }));

    private (ImapEndpoint Source, ImapEndpoint Destination) Accounts(string user = "ana@example.com")
    {
        var sourcePassword = $"src-{Guid.NewGuid():N}$%\\";
        Source.AddUser(user, sourcePassword);
        Destination.AddUser(user, "dst-pw");
        return (new ImapEndpoint(Source.Host, Source.Port, ImapSecurity.None, user, sourcePassword),
            new ImapEndpoint(Destination.Host, Destination.Port, ImapSecurity.None, user, "dst-pw"));
    }

    private static SyncRequest Request(ImapEndpoint source, ImapEndpoint destination, SyncKind kind, DateTimeOffset? notBefore = null) =>
        new() { Source = source, Destination = destination, Kind = kind, NotBefore = notBefore };

    [Fact]
    public async Task InitialDeltaFinal_CopyEveryMessageWithFlagsAndDates_AndVerifyLikeTheNativeEngine()
    {
        var (source, destination) = Accounts();
        await Mailbox.SeedAsync(Source, source, "INBOX",
            Mailbox.Message("one", MessageFlags.Seen, day: 1),
            Mailbox.Message("two", MessageFlags.Flagged | MessageFlags.Answered, day: 2, keywords: "$Label1"),
            Mailbox.Message("no id", MessageFlags.Seen, messageId: "", day: 3));
        await Mailbox.SeedAsync(Source, source, "Work/Projects", Mailbox.Message("plan", MessageFlags.Draft, day: 4), Mailbox.Message("budget", day: 5));
        var engine = Engine();
        var events = new List<SyncProgressEvent>();

        var initial = await engine.SyncAsync(Request(source, destination, SyncKind.Initial), new SyncProgress(events));

        Assert.Equal("doveadm", initial.Engine);
        Assert.Equal(5, initial.MessagesTransferred);
        Assert.Equal(0, initial.MessagesSkipped);
        Assert.Equal(5, initial.SourceMessages);
        Assert.Equal(5, initial.DestinationMessages);
        Assert.Equal(0, initial.MissingOnDestination);
        Assert.Null(initial.MessagesOutOfWindow);
        Assert.Equal(0, initial.ExitCode);
        Assert.Equal(["INBOX", "Work", "Work/Projects"], initial.Folders.Select(f => f.SourceFolder).Order(StringComparer.Ordinal));
        Assert.Equal(3, initial.Folders.Single(f => f.SourceFolder == "INBOX").Transferred);
        Assert.Contains(events, e => e.Stage == SyncProgressStage.MailboxStarted);
        Assert.Contains(events, e => e.Stage == SyncProgressStage.MailboxCompleted);
        await AssertSameMailAsync(source, destination, "INBOX", "Work/Projects");

        // Delta: two new messages and a flag change on the source.
        await Mailbox.SeedAsync(Source, source, "INBOX", Mailbox.Message("three", day: 6), Mailbox.Message("four", MessageFlags.Seen, day: 7));
        await Mailbox.AddFlagsAsync(Source, source, "Work/Projects", "budget", MessageFlags.Flagged, "$Important");

        var delta = await engine.SyncAsync(Request(source, destination, SyncKind.Delta));

        Assert.Equal(2, delta.MessagesTransferred);
        Assert.Equal(5, delta.MessagesSkipped);
        Assert.Equal(7, delta.DestinationMessages);
        Assert.Equal(0, delta.MissingOnDestination);
        await AssertSameMailAsync(source, destination, "INBOX", "Work/Projects");

        var final = await engine.SyncAsync(Request(source, destination, SyncKind.Final));

        Assert.Equal(0, final.MessagesTransferred);
        Assert.Equal(7, final.MessagesSkipped);
        Assert.Equal(7, final.SourceMessages);
        Assert.Equal(7, final.DestinationMessages);
        Assert.Equal(0, final.MissingOnDestination);
        Assert.Empty(final.Missing);
        await AssertSameMailAsync(source, destination, "INBOX", "Work/Projects");
        Assert.Empty(Directory.GetFiles(_work));

        // The native engine's figures for the same mailbox have the same shape (the gate reads these fields).
        var native = await new NativeImapSyncEngine().SyncAsync(Request(source, destination, SyncKind.Final), new InMemorySyncStateStore());
        Assert.Equal((native.SourceMessages, native.DestinationMessages, native.MissingOnDestination), (final.SourceMessages, final.DestinationMessages, final.MissingOnDestination));
    }

    [Fact]
    public async Task Pass_RefusesToStart_WhenTheDestinationHoldsMailThatBackupWouldDelete()
    {
        var (source, destination) = Accounts();
        await Mailbox.SeedAsync(Source, source, "INBOX", Mailbox.Message("from the source"));
        await Mailbox.SeedAsync(Destination, destination, "Old", Mailbox.Message("already on the destination"));
        var engine = Engine();

        var refused = await Assert.ThrowsAsync<ImapSyncException>(() => engine.SyncAsync(Request(source, destination, SyncKind.Initial)));

        Assert.Contains("holds 1 message(s) that are not on the source (first in folder Old)", refused.Failure.Message, StringComparison.Ordinal);
        Assert.Contains("would delete them", refused.Failure.Message, StringComparison.Ordinal);
        Assert.Equal(1, await Mailbox.CountAsync(Destination, destination, "Old"));
        Assert.Equal(0, await Mailbox.CountAsync(Destination, destination, "INBOX"));

        // Also a final pass with mirror: doveadm cannot tell mail Ligbox copied from mail that was there before.
        var final = await Assert.ThrowsAsync<ImapSyncException>(() => engine.SyncAsync(Request(source, destination, SyncKind.Final) with { Mirror = true }));
        Assert.Contains("would delete them", final.Failure.Message, StringComparison.Ordinal);
        Assert.Equal(1, await Mailbox.CountAsync(Destination, destination, "Old"));
    }

    [Fact]
    public async Task ExcludedFolders_AreNeitherCopiedNorCompared()
    {
        var (source, destination) = Accounts();
        await Mailbox.SeedAsync(Source, source, "INBOX", Mailbox.Message("kept"));
        await Mailbox.SeedAsync(Source, source, "Spam", Mailbox.Message("junk"));

        var final = await Engine().SyncAsync(Request(source, destination, SyncKind.Final) with { Mapping = new FolderMappingOptions { Exclude = ["Spam"] } });

        Assert.Equal((1, 1L, 0), (final.MessagesTransferred, final.SourceMessages, final.MissingOnDestination));
        Assert.DoesNotContain(final.Folders, f => f.SourceFolder == "Spam");
        Assert.DoesNotContain("Spam", await Mailbox.FolderNamesAsync(Destination, destination));
    }

    [Fact]
    public async Task DateWindow_CopiesOnlyRecentMessages_AndCountsTheOthersOutOfWindow()
    {
        var (source, destination) = Accounts();
        var old = Enumerable.Range(0, 67).Select(i => Mailbox.Message($"old {i}", day: 1) with { InternalDate = new DateTimeOffset(2024, 1 + i % 12, 1 + i % 28, 9, 0, 0, TimeSpan.Zero) });
        var recent = Enumerable.Range(0, 5).Select(i => Mailbox.Message($"recent {i}") with { InternalDate = DateTimeOffset.UtcNow.AddDays(-i - 1) });
        await Mailbox.SeedAsync(Source, source, "INBOX", [.. old, .. recent]);
        var notBefore = DateTimeOffset.UtcNow.AddDays(-30);

        var initial = await Engine().SyncAsync(Request(source, destination, SyncKind.Initial, notBefore));
        var final = await Engine().SyncAsync(Request(source, destination, SyncKind.Final, notBefore));

        Assert.Equal(5, initial.MessagesTransferred);
        Assert.Equal(67, initial.MessagesOutOfWindow);
        Assert.Equal(5, initial.SourceMessages);
        Assert.Equal(5, await Mailbox.CountAsync(Destination, destination, "INBOX"));
        Assert.Equal(0, final.MessagesTransferred);
        Assert.Equal(0, final.MissingOnDestination);
        Assert.Equal(67, final.MessagesOutOfWindow);
    }

    [Fact]
    public async Task Preflight_Passes_ForTheLocalDovecotAndAWorkingSourceLogin()
    {
        var (source, destination) = Accounts();
        await Mailbox.SeedAsync(Source, source, "INBOX", Mailbox.Message("one"));

        var result = await Engine().PreflightAsync(Request(source, destination, SyncKind.Initial));

        Assert.True(result.Succeeded, string.Join("; ", result.Failures.Select(f => f.Message)));
        Assert.Equal(1, result.Folders.Single(f => f.Name == "INBOX").Messages);
    }

    [Fact]
    public async Task Preflight_SaysInPlainWords_WhenTheSourcePasswordIsWrong()
    {
        var (source, destination) = Accounts();

        var result = await Engine().PreflightAsync(Request(source with { Secret = "wrong" }, destination, SyncKind.Initial));

        var failure = Assert.Single(result.Failures);
        Assert.Equal((ImapFailureKind.AuthenticationFailed, ImapSide.Source), (failure.Kind, failure.Side));
        Assert.Contains("ana@example.com", failure.Message, StringComparison.Ordinal);
        Assert.Contains("password", failure.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Sync_FailsInPlainWords_WhenTheSourcePasswordIsWrong_AndLeavesNoPasswordFile()
    {
        var (source, destination) = Accounts();

        var ex = await Assert.ThrowsAsync<ImapSyncException>(() => Engine().SyncAsync(Request(source with { Secret = "wrong" }, destination, SyncKind.Initial)));

        Assert.Equal((ImapFailureKind.AuthenticationFailed, ImapSide.Source), (ex.Failure.Kind, ex.Failure.Side));
        Assert.Contains("check the password", ex.Failure.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_work));
    }

    [Fact]
    public async Task Preflight_SaysDoveadmIsMissing_WhenItIsNotInstalled()
    {
        var (source, destination) = Accounts();

        var result = await Engine("/nonexistent/doveadm").PreflightAsync(Request(source, destination, SyncKind.Initial));

        Assert.Contains(result.Failures, f => f.Message.Contains("doveadm is not installed on this console host (looked for '/nonexistent/doveadm')", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Preflight_SaysTheUserIsUnknown_WhenTheDestinationDovecotDoesNotKnowIt()
    {
        var (source, destination) = Accounts();

        var result = await Engine().PreflightAsync(Request(source, destination with { User = "nobody-here@example.com" }, SyncKind.Initial));

        var failure = Assert.Single(result.Failures);
        Assert.Equal(ImapSide.Destination, failure.Side);
        Assert.Contains("the destination user nobody-here@example.com does not exist on the local Dovecot", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PreflightAndSync_Refuse_WhenTheDestinationIsNotTheConfiguredDovecot()
    {
        var (source, destination) = Accounts();
        // The source server is a Dovecot too, but not the one whose configuration the engine manages.
        var elsewhere = destination with { Port = Source.Port };

        var result = await Engine().PreflightAsync(Request(source, elsewhere, SyncKind.Initial));
        var ex = await Assert.ThrowsAsync<ImapSyncException>(() => Engine().SyncAsync(Request(source, elsewhere, SyncKind.Initial)));

        Assert.Contains(result.Failures, f => f.Message.Contains($"is not the Dovecot that doveadm on this host manages", StringComparison.Ordinal));
        Assert.Contains($"port {Destination.Port}", ex.Failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, await Mailbox.CountAsync(Destination, destination, "INBOX"));
    }

    [Fact]
    public async Task KilledMidRun_ThenRunAgain_EndsWithExactCountsAndNoDuplicates()
    {
        var (source, destination) = Accounts();
        const int total = 6000;
        await Source.SeedMaildirAsync(source.User, "INBOX", Enumerable.Range(0, total).Select(i =>
            new SeedRawMessage(TestMessages.ToBytes(TestMessages.Create($"bulk {i}", $"bulk-{i}@test.ligbox", bodyBytes: 2000)), DateTimeOffset.UtcNow.AddMinutes(-i))));
        var engine = Engine();

        var run = engine.SyncAsync(Request(source, destination, SyncKind.Initial));
        var pid = await WaitForDoveadmAsync();
        await WaitUntilAsync(async () => await Mailbox.CountAsync(Destination, destination, "INBOX") > 0);
        Assert.Equal(0, Kill(pid, 9));
        var failure = await Assert.ThrowsAsync<ImapSyncException>(() => run);
        var copiedBeforeKill = await Mailbox.CountAsync(Destination, destination, "INBOX");
        Assert.InRange(copiedBeforeKill, 1, total - 1);

        var rerun = await engine.SyncAsync(Request(source, destination, SyncKind.Final));

        Assert.Contains("run the sync again", failure.Failure.Message, StringComparison.Ordinal);
        Assert.Equal(total, await Mailbox.CountAsync(Destination, destination, "INBOX"));
        Assert.Equal(total, rerun.DestinationMessages);
        Assert.Equal(0, rerun.MissingOnDestination);
        Assert.Equal(total - copiedBeforeKill, rerun.MessagesTransferred);
        var ids = await MessageIdsAsync(destination);
        Assert.Equal(total, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Empty(Directory.GetFiles(_work));
    }

    [Fact]
    public async Task Cancel_KillsDoveadm_AndLeavesNoPasswordFile()
    {
        var (source, destination) = Accounts();
        await Source.SeedMaildirAsync(source.User, "INBOX", Enumerable.Range(0, 6000).Select(i =>
            new SeedRawMessage(TestMessages.ToBytes(TestMessages.Create($"bulk {i}", bodyBytes: 2000)), DateTimeOffset.UtcNow.AddMinutes(-i))));
        using var cts = new CancellationTokenSource();

        var run = Engine().SyncAsync(Request(source, destination, SyncKind.Initial), cancellationToken: cts.Token);
        var pid = await WaitForDoveadmAsync();
        var clock = Stopwatch.StartNew();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        await ProcessAssert.ExitsAsync(pid);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"cancel took {clock.Elapsed}");
        Assert.Empty(Directory.GetFiles(_work));
    }

    private async Task AssertSameMailAsync(ImapEndpoint source, ImapEndpoint destination, params string[] folders)
    {
        foreach (var folder in folders)
        {
            // Content hash, flags, keywords and INTERNALDATE of every message.
            Assert.Equal(await Mailbox.SnapshotAsync(Source, source, folder), await Mailbox.SnapshotAsync(Destination, destination, folder));
        }
    }

    private async Task<List<string>> MessageIdsAsync(ImapEndpoint destination)
    {
        var result = await Destination.DoveadmAsync(["-f", "tab", "fetch", "-u", destination.User, "hdr.message-id", "mailbox", "INBOX"]);
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
    }

    /// <summary>The pid of the doveadm backup this test's engine started (its private config lives in this test's work directory).</summary>
    private async Task<int> WaitForDoveadmAsync()
    {
        for (var i = 0; i < 200; i++)
        {
            foreach (var dir in Directory.GetDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(dir), out var pid))
                {
                    string cmdline;
                    try
                    {
                        cmdline = Encoding.UTF8.GetString(await File.ReadAllBytesAsync(Path.Combine(dir, "cmdline"))).Replace('\0', ' ');
                    }
                    catch (IOException)
                    {
                        continue;
                    }
                    catch (UnauthorizedAccessException)
                    {
                        continue;
                    }

                    if (cmdline.Contains("doveadm", StringComparison.Ordinal) && cmdline.Contains(_work, StringComparison.Ordinal) && cmdline.Contains(" backup ", StringComparison.Ordinal))
                    {
                        return pid;
                    }
                }
            }

            await Task.Delay(25);
        }

        throw new InvalidOperationException("doveadm backup did not start");
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 400; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException("condition not met within 10 s");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private sealed class SyncProgress(List<SyncProgressEvent> events) : IProgress<SyncProgressEvent>
    {
        public void Report(SyncProgressEvent value)
        {
            lock (events)
            {
                events.Add(value);
            }
        }
    }
}
