using Ligbox.Core.Pst;
using Ligbox.Testing.Dovecot;
using Ligbox.Testing.Pst;
using Ligbox.Tools.Processes;
using Ligbox.Tools.Readpst;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Tests.Pst;

/// <summary>
/// The PST import appends each folder as soon as the real readpst has finished it, while readpst writes the next
/// ones; PSTs written by the test PST writer, imported into a real Dovecot.
/// </summary>
public sealed class PstStreamingImportTests(PlainDovecot fixture) : IClassFixture<PlainDovecot>
{
    private readonly DovecotServer _dovecot = fixture.Server;

    [Fact]
    public async Task A_finished_folder_is_appended_while_readpst_still_writes_the_next()
    {
        using var work = new PstTestSupport.Work();
        var user = PstTestSupport.NewUser(_dovecot);
        var pst = WritePst(Path.Combine(work.Root, "two.pst"), ("First", 30), ("Second", 30));
        // readpst's report that it finished the second folder is held back until something was appended (or 30 s):
        // without the hand-over per folder, nothing is appended before readpst exits, and the wait runs out.
        var appended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var readpst = new HoldingReadpst(folder => folder == "Second" ? appended.Task.WaitAsync(TimeSpan.FromSeconds(30)) : Task.CompletedTask);
        var appendedWhenReleased = 0;

        var options = new PstImportOptions { MultiAppendSize = 10 };
        var stats = await new PstImporter(readpst, TimeProvider.System, options).ImportAsync(work.Request(pst, PstTestSupport.Endpoint(_dovecot, user)), s =>
        {
            // Read when the hold is released: the second folder cannot have been handed over yet (later on, its
            // appends can finish before readpst's exit ends the extracting phase).
            if (s.Phase == "extracting" && s.Appended > 0 && appended.TrySetResult())
            {
                appendedWhenReleased = s.Appended;
            }
        });

        Assert.False(readpst.TimedOut, "nothing was appended while readpst was holding its second folder");
        // Each folder is listed as it is taken; the listing of every file readpst wrote (~18,000 paths for 2 GB) is not made.
        Assert.False(readpst.ListedEveryFile, "the import asked readpst's runner for the listing of every file");
        Assert.InRange(appendedWhenReleased, 1, 30);
        Assert.Equal(["Imported PST/First:30", "Imported PST/Second:30"], stats.Folders.Select(f => $"{f.Destination}:{f.DestinationMessages}"));
        Assert.Equal(30, await _dovecot.CountMessagesAsync(user, "Imported PST/First"));
        Assert.Equal(30, await _dovecot.CountMessagesAsync(user, "Imported PST/Second"));
        Assert.Equal("done", stats.Phase);
    }

    [Fact]
    public async Task Folders_that_cannot_be_handed_over_early_are_found_once_readpst_has_exited()
    {
        using var work = new PstTestSupport.Work();
        var user = PstTestSupport.NewUser(_dovecot);
        // Two folders of one name: readpst writes the second into another directory than its name says, so only the
        // directories not yet taken once readpst has exited give it. Nested folders are finished before their parent's messages.
        var path = Path.Combine(work.Root, "dup.pst");
        using (var writer = new PstFileWriter(path, "Outlook"))
        {
            var date = new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
            var first = writer.AddFolder("Dup");
            var nested = writer.AddFolder("Inner", first);
            var second = writer.AddFolder("Dup");
            Fill(writer, first, 5, date);
            Fill(writer, nested, 4, date);
            Fill(writer, second, 3, date);
            writer.Complete();
        }

        var stats = await PstTestSupport.CreateImporter().ImportAsync(work.Request(path, PstTestSupport.Endpoint(_dovecot, user)));

        Assert.Equal(12, stats.Appended);
        Assert.Equal(0, stats.Quarantined);
        Assert.Equal(12, stats.Folders.Sum(f => f.DestinationMessages ?? 0));
        Assert.Equal(3, stats.Folders.Count(f => f.Extracted > 0));
        Assert.Equal(["Outlook/Dup>Imported PST/Dup:5", "Outlook/Dup/Inner>Imported PST/Dup/Inner:4", "Outlook/Dup1>Imported PST/Dup1:3"],
            stats.Folders.Select(f => $"{f.Source}>{f.Destination}:{f.DestinationMessages}"));
        Assert.Equal(5, await _dovecot.CountMessagesAsync(user, "Imported PST/Dup"));
        Assert.Equal(4, await _dovecot.CountMessagesAsync(user, "Imported PST/Dup/Inner"));
        Assert.Equal(3, await _dovecot.CountMessagesAsync(user, "Imported PST/Dup1"));
    }

    [Fact]
    public async Task Cancelling_while_readpst_runs_stops_it_and_cleans_the_work_directory()
    {
        using var work = new PstTestSupport.Work();
        var user = PstTestSupport.NewUser(_dovecot);
        var pst = WritePst(Path.Combine(work.Root, "stop.pst"), ("First", 10), ("Second", 10));
        using var cts = new CancellationTokenSource();
        // The stop comes while readpst reports its first folder; that report then takes another half second, so an
        // import that did not wait for readpst to exit would return before it.
        var readpst = new HoldingReadpst(folder =>
        {
            if (folder == "First")
            {
                cts.Cancel();
                Thread.Sleep(500);
            }

            return Task.CompletedTask;
        });
        var request = work.Request(pst, PstTestSupport.Endpoint(_dovecot, user));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new PstImporter(readpst, TimeProvider.System).ImportAsync(request, cancellationToken: cts.Token));

        Assert.True(readpst.Exited, "the import returned before readpst had exited");
        Assert.False(Directory.Exists(request.WorkDirectory), "the work directory is cleaned");
    }

    private static string WritePst(string path, params (string Folder, int Messages)[] folders)
    {
        using var writer = new PstFileWriter(path, "Outlook");
        var date = new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
        foreach (var (name, count) in folders)
        {
            Fill(writer, writer.AddFolder(name), count, date);
        }

        writer.Complete();
        return path;
    }

    private static void Fill(PstFileWriter writer, PstFolder folder, int count, DateTimeOffset date)
    {
        for (var i = 0; i < count; i++)
        {
            writer.AddMessage(folder, new PstMessage($"{folder.Name} {i}", "bob@example.com", "ana@example.com", date.AddMinutes(i), $"Body {i} of {folder.Name}.\r\n" + new string('x', 3_000)));
        }
    }

    /// <summary>The real readpst, whose "folder finished" reports wait for <paramref name="hold"/> before they go on.</summary>
    private sealed class HoldingReadpst(Func<string, Task> hold) : IReadpstRunner
    {
        private readonly ReadpstRunner _inner = new(new CliWrapProcessRunner(), Options.Create(new ReadpstSettings()));

        public bool TimedOut { get; private set; }

        public bool Exited { get; private set; }

        public bool ListedEveryFile { get; private set; }

        public Task<ReadpstResult> ExtractAsync(string pstPath, string outputDirectory, Action<ReadpstProgress>? onProgress = null, CancellationToken cancellationToken = default) =>
            ExtractAsync(pstPath, outputDirectory, onProgress, null, cancellationToken);

        public Task<ReadpstResult> ExtractAsync(string pstPath, string outputDirectory, Action<ReadpstProgress>? onProgress, Action<string>? onLine, CancellationToken cancellationToken = default)
        {
            ListedEveryFile = true;
            return ExtractFoldersAsync(pstPath, outputDirectory, onProgress, onLine, cancellationToken);
        }

        public async Task<ReadpstResult> ExtractFoldersAsync(string pstPath, string outputDirectory, Action<ReadpstProgress>? onProgress, Action<string>? onLine, CancellationToken cancellationToken)
        {
            try
            {
                return await _inner.ExtractFoldersAsync(pstPath, outputDirectory, progress =>
                {
                    if (progress.Kind == ReadpstProgressKind.FolderCompleted)
                    {
                        try
                        {
                            hold(progress.Folder).Wait(CancellationToken.None);
                        }
                        catch (AggregateException ex) when (ex.InnerException is TimeoutException)
                        {
                            TimedOut = true;
                        }
                    }

                    onProgress?.Invoke(progress);
                }, onLine, cancellationToken);
            }
            finally
            {
                Exited = true;
            }
        }
    }
}
