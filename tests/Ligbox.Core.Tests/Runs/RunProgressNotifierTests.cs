using Ligbox.Core.Runs;
using Ligbox.Tools.NativeImap;

namespace Ligbox.Core.Tests.Runs;

public class RunProgressNotifierTests
{
    [Theory]
    [InlineData("Started: 4000 messages in the selected folders.", RunLogLevel.Info)]
    [InlineData("40 copied, 0 already there, 0 errors; source 40, destination 40.", RunLogLevel.Info)]
    [InlineData("40 copied, 0 already there, 0 errors; source 40, destination 40; missing on the destination: 0.", RunLogLevel.Info)]
    [InlineData("Pre-flight OK: 3 folders, 47 messages, 12,345 bytes.", RunLogLevel.Info)]
    [InlineData("38 copied, 0 already there, 2 errors; source 40, destination 38.", RunLogLevel.Warning)]
    [InlineData("INBOX: 3 messages missing on INBOX; they will be copied again by the next pass", RunLogLevel.Warning)]
    [InlineData("connection problem on the source (Connection reset); reconnecting in 1 s (attempt 1 of 4)", RunLogLevel.Warning)]
    [InlineData("Cancelled by tech@ligbox.test.", RunLogLevel.Warning)]
    [InlineData("The console is stopping: the run is interrupted and resumes at the next start.", RunLogLevel.Warning)]
    [InlineData("authentication failed for ana@example.com on the source: check the password", RunLogLevel.Error)]
    [InlineData("Pre-flight failed for 1 of 1 mailbox(es): authentication failed for ana@example.com on the source: check the password", RunLogLevel.Error)]
    [InlineData("Failed: 127.0.0.1:1 refused the connection on the destination: check the port and that the IMAP service is running", RunLogLevel.Error)]
    public void LevelOf_ReadsTheSeverityFromTheWords(string message, RunLogLevel expected) => Assert.Equal(expected, RunLogLine.LevelOf(message));

    [Fact]
    public void From_ReadsTheMailboxAndTheLevelOfAWrittenLine()
    {
        var line = RunLogLine.From(7, "2026-12-01 08:00:00 [ana@example.com] Failed: authentication failed for ana@example.com on the source: check the password");
        Assert.Equal((7L, "ana@example.com", RunLogLevel.Error), (line.Seq, line.Mailbox, line.Level));
        Assert.Null(RunLogLine.From(1, "2026-12-01 08:00:00 Starting initial of 1 mailbox(es).").Mailbox);
    }

    [Fact]
    public void Lines_AreNumberedInOrder_AndReadSinceASequenceNumber()
    {
        var notifier = new RunProgressNotifier();
        var (job, run) = (Guid.NewGuid(), Guid.NewGuid());
        for (var i = 1; i <= RunProgressNotifier.MaxLines + 10; i++)
        {
            notifier.Line(job, run, $"2026-12-01 08:00:00 line {i}");
        }

        var kept = notifier.GetLinesSince(run, 0);
        Assert.Equal(RunProgressNotifier.MaxLines, kept.Count);
        Assert.Equal((11L, "2026-12-01 08:00:00 line 11"), (kept[0].Seq, kept[0].Text));
        Assert.Equal([509L, 510L], notifier.GetLinesSince(run, 508).Select(l => l.Seq));
    }

    [Fact]
    public void Progress_KeepsEveryFolderOfAMailbox_NotOnlyTheCurrentOne()
    {
        var notifier = new RunProgressNotifier();
        var (job, run) = (Guid.NewGuid(), Guid.NewGuid());
        void Report(SyncProgressStage stage, string? folder, long done, long total, long mailboxDone) => notifier.Report(job, run, "ana@example.com",
            new SyncProgressEvent { MailboxKey = "k", Stage = stage, Folder = folder, FolderDone = done, FolderTotal = total, MailboxDone = mailboxDone, MailboxTotal = 15 });

        Report(SyncProgressStage.MailboxStarted, null, 0, 0, 0);
        Report(SyncProgressStage.FolderStarted, "INBOX", 0, 10, 0);
        Report(SyncProgressStage.FolderProgress, "INBOX", 6, 10, 6);
        Report(SyncProgressStage.FolderCompleted, "INBOX", 10, 10, 10);
        Report(SyncProgressStage.FolderStarted, "Sent", 0, 5, 10);
        Report(SyncProgressStage.FolderProgress, "Sent", 2, 5, 12);
        notifier.Report(job, run, "ana@example.com", new SyncProgressEvent { MailboxKey = "k", Stage = SyncProgressStage.Log, Message = "a warning" });

        var mailbox = Assert.Single(notifier.GetProgress(run));
        Assert.Equal(("Sent", 12L, 15L), (mailbox.Folder, mailbox.Done, mailbox.Total));
        Assert.Equal([new FolderProgress("INBOX", 10, 10, true), new FolderProgress("Sent", 2, 5, false)], mailbox.Folders);
        Assert.Empty(notifier.GetFinalProgress(run));
        notifier.ClearProgress(run);
        Assert.Empty(notifier.GetProgress(run));
        Assert.Equal(12L, Assert.Single(notifier.GetFinalProgress(run)).Done);
    }

    [Fact]
    public async Task Subscribers_AreToldAtMostAboutTenTimesPerSecond_AndStatusChangesAtOnce()
    {
        var notifier = new RunProgressNotifier();
        var (job, run) = (Guid.NewGuid(), Guid.NewGuid());
        var figures = new List<RunUpdate>();
        var statuses = 0;
        using var subscription = notifier.Subscribe(job, u =>
        {
            lock (figures)
            {
                if (u.StatusChanged)
                {
                    statuses++;
                }
                else
                {
                    figures.Add(u);
                }
            }

            return Task.CompletedTask;
        });
        using var other = notifier.Subscribe(Guid.NewGuid(), _ => throw new InvalidOperationException("another job's subscriber is never told"));

        var started = DateTime.UtcNow;
        while (DateTime.UtcNow - started < TimeSpan.FromSeconds(1.5))
        {
            for (var i = 0; i < 200; i++)
            {
                notifier.Line(job, run, $"line {i}");
            }

            await Task.Delay(5);
        }

        notifier.RunChanged(job, run);
        await Task.Delay(300);
        lock (figures)
        {
            Assert.Equal(1, statuses);
            // At most ~10 a second (1.5 s of reports: 16 at the most); at least two windows, not one swallowing all. Not 5:
            // with the whole Core suite running beside it, the pool once ran the 100 ms timers only twice in 1.5 s (CI).
            Assert.InRange(figures.Count, 2, 16);
        }
    }
}
