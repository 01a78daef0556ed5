using Ligbox.Tools.Readpst;
using Ligbox.Tools.Tests.Support;

namespace Ligbox.Tools.Tests.Readpst;

public class ReadpstProgressParserTests
{
    [Theory]
    [InlineData("Processing Folder \"Inbox\"", ReadpstProgressKind.FolderStarted, "Inbox", 0, 0)]
    [InlineData("Processing Folder \"削除済みアイテム\"", ReadpstProgressKind.FolderStarted, "削除済みアイテム", 0, 0)]
    [InlineData("\t\"Inbox\" - 9 items done, 2 items skipped.", ReadpstProgressKind.FolderCompleted, "Inbox", 9, 2)]
    [InlineData("\t\"Sent Items\" - 6 items done, 0 items skipped.", ReadpstProgressKind.FolderCompleted, "Sent Items", 6, 0)]
    [InlineData("\t\"Personal folders\" - 2 items done, 0 items skipped.", ReadpstProgressKind.FolderCompleted, "Personal folders", 2, 0)]
    public void ReturnsEvent_WhenLineIsProgress(string line, ReadpstProgressKind kind, string folder, int done, int skipped)
    {
        Assert.Equal(new ReadpstProgress(kind, folder, done, skipped), ReadpstProgressParser.Parse(line));
    }

    [Theory]
    [InlineData("Opening PST file and indexes...")]
    [InlineData("Error opening File")]
    [InlineData("Could not get root record")]
    [InlineData("")]
    public void ReturnsNull_WhenLineIsNotProgress(string line)
    {
        Assert.Null(ReadpstProgressParser.Parse(line));
    }

    [Theory]
    [InlineData("Outlook_1.stdout", 13, "Inbox:9/2;Sent Items:6/0;Calendar:1/4;Contacts:1/0;Outlook:12/0")]
    [InlineData("dist-list.stdout", 12, "Calendar:1/0;Contacts:1/1;Personal Folders:12/0")]
    public void ReportsEveryFolder_WhenFedRealReadpstOutput(string file, int foldersStarted, string completed)
    {
        var events = File.ReadLines(TestPaths.Resource("readpst", file)).Select(ReadpstProgressParser.Parse).OfType<ReadpstProgress>().ToList();

        Assert.Equal(foldersStarted, events.Count(e => e.Kind == ReadpstProgressKind.FolderStarted));
        var done = events.Where(e => e.Kind == ReadpstProgressKind.FolderCompleted).Select(e => $"{e.Folder}:{e.ItemsDone}/{e.ItemsSkipped}");
        Assert.Equal(completed, string.Join(';', done));
    }
}
