using Ligbox.Tools.Processes;
using Ligbox.Tools.Readpst;
using Ligbox.Tools.Tests.Support;
using Microsoft.Extensions.Options;

namespace Ligbox.Tools.Tests.Readpst;

/// <summary>Runs the real readpst (Debian pst-utils) on the real sample PSTs, read in place from ../shared/testdata/pst.</summary>
public class ReadpstRunnerTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly ReadpstRunner _runner = new(new CliWrapProcessRunner(), Options.Create(new ReadpstSettings()));

    public void Dispose() => _temp.Dispose();

    [Theory]
    // folder|kind|count per SOURCES.md (with -e: one file per item).
    [InlineData("Outlook_1.pst", "Outlook/Calendar|Calendar|1;Outlook/Contacts|Contact|1;Outlook/Inbox|Email|8;Outlook/Sent Items|Email|6")]
    [InlineData("passwordprotectedPST.pst", "Personal folders/Deleted Items|Email|14;Personal folders/Inbox|Email|4")]
    [InlineData("attachAndInline.pst", "attachAndInline|Email|1")]
    [InlineData("dist-list.pst", "Personal Folders/Calendar|Calendar|1;Personal Folders/Contacts|Contact|1")]
    public async Task ExtractsOneFilePerItemInAFolderTree_WhenGivenARealPst(string pst, string expected)
    {
        var result = await _runner.ExtractAsync(TestPaths.SharedTestData("pst", pst), _temp.Combine("out"));

        Assert.True(result.Succeeded, result.ErrorMessage);
        Assert.Equal(ReadpstErrorKind.None, result.ErrorKind);
        var actual = result.Items
            .GroupBy(item => (item.Folder, item.Kind))
            .OrderBy(g => g.Key.Folder, StringComparer.Ordinal)
            .Select(g => $"{g.Key.Folder}|{g.Key.Kind}|{g.Count()}");
        Assert.Equal(expected, string.Join(';', actual));
        Assert.All(result.Items, item => Assert.True(new FileInfo(item.FullPath).Length > 0));
    }

    [Fact]
    public async Task ReportsPerFolderProgressAsItArrives_WhenExtractingOutlook1()
    {
        var live = new List<ReadpstProgress>();

        var result = await _runner.ExtractAsync(TestPaths.SharedTestData("pst", "Outlook_1.pst"), _temp.Combine("out"), live.Add);

        Assert.Equal(result.Progress, live);
        Assert.Contains(new ReadpstProgress(ReadpstProgressKind.FolderCompleted, "Inbox", 9, 2), live);
        Assert.Contains(new ReadpstProgress(ReadpstProgressKind.FolderCompleted, "Sent Items", 6, 0), live);
        Assert.Contains(new ReadpstProgress(ReadpstProgressKind.FolderStarted, "SubInbox"), live);
        // Inbox numbering starts at 2 (item 1 is the SubInbox folder).
        var inbox = result.Items.Where(i => i.Folder == "Outlook/Inbox").Select(i => Path.GetFileName(i.FullPath));
        Assert.Equal(["2.eml", "3.eml", "4.eml", "5.eml", "6.eml", "7.eml", "8.eml", "9.eml"], inbox);
    }

    [Fact]
    public async Task ExtractsTheSameFiles_WithoutListingThem_ForACallerThatListsEachFolder()
    {
        var live = new List<ReadpstProgress>();
        var output = _temp.Combine("out");

        var result = await _runner.ExtractFoldersAsync(TestPaths.SharedTestData("pst", "Outlook_1.pst"), output, live.Add, null, CancellationToken.None);

        Assert.True(result.Succeeded, result.ErrorMessage);
        Assert.Empty(result.Items);
        Assert.Equal(result.Progress, live);
        var listed = Directory.EnumerateDirectories(output, "*", SearchOption.AllDirectories).SelectMany(d => ReadpstRunner.ListFolder(output, d)).ToList();
        Assert.Equal("Outlook/Calendar|Calendar|1;Outlook/Contacts|Contact|1;Outlook/Inbox|Email|8;Outlook/Sent Items|Email|6",
            string.Join(';', listed.GroupBy(i => (i.Folder, i.Kind)).OrderBy(g => g.Key.Folder, StringComparer.Ordinal).Select(g => $"{g.Key.Folder}|{g.Key.Kind}|{g.Count()}")));
    }

    [Fact]
    public async Task ExtractsTheMultipartMessage_WhenPstHasAttachmentsAndInlineImages()
    {
        var result = await _runner.ExtractAsync(TestPaths.SharedTestData("pst", "attachAndInline.pst"), _temp.Combine("out"));

        var eml = File.ReadAllText(Assert.Single(result.Items).FullPath);
        Assert.Contains("multipart/", eml);
        Assert.Contains("attach.png", eml);
        Assert.Contains("image001.png", eml);
    }

    [Fact]
    public async Task ClassifiesCorrupt_WhenPstIsTruncated()
    {
        var truncated = _temp.Combine("truncated.pst");
        File.WriteAllBytes(truncated, File.ReadAllBytes(TestPaths.SharedTestData("pst", "Outlook_1.pst")).AsSpan(0, 4096).ToArray());
        Assert.Equal(PstSignatureStatus.Valid, PstSignature.Check(truncated)); // the signature alone cannot tell

        var result = await _runner.ExtractAsync(truncated, _temp.Combine("out"));

        Assert.False(result.Succeeded);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(ReadpstErrorKind.Corrupt, result.ErrorKind);
        Assert.Contains("truncated or corrupt", result.ErrorMessage);
        Assert.Empty(result.Items);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ClassifiesCannotOpenFile_WhenFileIsNotAPstOrMissing(bool exists)
    {
        var path = _temp.Combine("notes.pst");
        if (exists)
        {
            File.WriteAllText(path, "These are my notes, not an Outlook file.\n");
        }

        var result = await _runner.ExtractAsync(path, _temp.Combine("out"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(ReadpstErrorKind.CannotOpenFile, result.ErrorKind);
    }

    [Fact]
    public async Task ClassifiesOutputDirectory_WhenOutputPathIsAFile()
    {
        var file = _temp.Combine("not-a-dir");
        File.WriteAllText(file, "");

        var result = await _runner.ExtractAsync(TestPaths.SharedTestData("pst", "dist-list.pst"), file);

        Assert.Equal(ReadpstErrorKind.OutputDirectory, result.ErrorKind);
    }

    [Fact]
    public async Task Refuses_WhenOutputDirectoryIsNotEmpty()
    {
        Directory.CreateDirectory(_temp.Combine("out"));
        File.WriteAllText(_temp.Combine("out", "old.eml"), "x");

        await Assert.ThrowsAsync<InvalidOperationException>(() => _runner.ExtractAsync(TestPaths.SharedTestData("pst", "dist-list.pst"), _temp.Combine("out")));
    }

    [Fact]
    public async Task ThrowsToolNotFound_WhenReadpstIsMissing()
    {
        var runner = new ReadpstRunner(new CliWrapProcessRunner(), Options.Create(new ReadpstSettings { ReadpstPath = "/nonexistent/readpst" }));

        var ex = await Assert.ThrowsAsync<ToolNotFoundException>(() => runner.ExtractAsync(TestPaths.SharedTestData("pst", "dist-list.pst"), _temp.Combine("out")));

        Assert.Contains("pst-utils", ex.Message);
    }

    [Fact]
    public void BuildsPerItemArguments_WhenAskedForTheCommandLine()
    {
        Assert.Equal(["-e", "-o", "/out", "-D", "-j", "0", "/in/a.pst"], ReadpstRunner.BuildArguments("/in/a.pst", "/out"));
    }
}
