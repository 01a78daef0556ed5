using Ligbox.Tools.Readpst;

namespace Ligbox.Tools.Tests.Readpst;

public class ReadpstErrorClassifierTests
{
    [Theory]
    [InlineData(0, "Opening PST file and indexes...|\t\"Inbox\" - 4 items done, 0 items skipped.", ReadpstErrorKind.None)]
    [InlineData(1, "Opening PST file and indexes...|Error opening File|Error opening PST file: No such file or directory", ReadpstErrorKind.CannotOpenFile)]
    [InlineData(1, "Opening PST file and indexes...|Could not get root record", ReadpstErrorKind.Corrupt)]
    [InlineData(1, "Opening PST file and indexes...|Cannot change to output dir /x: No such file or directory", ReadpstErrorKind.OutputDirectory)]
    [InlineData(1, "Opening PST file and indexes...|Segmentation fault", ReadpstErrorKind.Unknown)]
    public void ClassifiesFailure_WhenOutputNamesIt(int exitCode, string output, ReadpstErrorKind expected)
    {
        var (kind, message) = ReadpstErrorClassifier.Classify(exitCode, output.Split('|'));

        Assert.Equal(expected, kind);
        Assert.Equal(expected == ReadpstErrorKind.None, message is null);
    }
}
