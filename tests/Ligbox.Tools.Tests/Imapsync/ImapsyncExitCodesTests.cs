using Ligbox.Tools.Imapsync;

namespace Ligbox.Tools.Tests.Imapsync;

public class ImapsyncExitCodesTests
{
    [Theory]
    [InlineData(0, "EX_OK", "successfully")]
    [InlineData(6, "EXIT_BY_SIGNAL", "signal")]
    [InlineData(64, "EX_USAGE", "command line")]
    [InlineData(101, "EXIT_CONNECTION_FAILURE_HOST1", "source server")]
    [InlineData(102, "EXIT_CONNECTION_FAILURE_HOST2", "destination server")]
    [InlineData(111, "EXIT_WITH_ERRORS", "errors")]
    [InlineData(112, "EXIT_WITH_ERRORS_MAX", "maximum number of errors")]
    [InlineData(113, "EXIT_OVERQUOTA", "quota")]
    [InlineData(114, "EXIT_ERR_APPEND", "APPEND")]
    [InlineData(115, "EXIT_ERR_FETCH", "FETCH")]
    [InlineData(116, "EXIT_ERR_CREATE", "folder could not be created")]
    [InlineData(117, "EXIT_ERR_SELECT", "SELECT")]
    [InlineData(118, "EXIT_TRANSFER_EXCEEDED", "limit")]
    [InlineData(161, "EXIT_AUTHENTICATION_FAILURE_USER1", "source user name and password")]
    [InlineData(162, "EXIT_AUTHENTICATION_FAILURE_USER2", "destination user name and password")]
    [InlineData(7, "UNKNOWN", "unexpected code 7")]
    public void DescribesCodeInPlainWords_WhenGivenImapsyncExitCode(int code, string name, string meaningContains)
    {
        var exit = ImapsyncExitCodes.Describe(code);

        Assert.Equal(code, exit.Code);
        Assert.Equal(name, exit.Name);
        Assert.Contains(meaningContains, exit.Meaning, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(code == 0, exit.IsSuccess);
    }
}
