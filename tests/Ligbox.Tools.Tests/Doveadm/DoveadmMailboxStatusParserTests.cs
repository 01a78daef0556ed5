using Ligbox.Tools.Doveadm;

namespace Ligbox.Tools.Tests.Doveadm;

public class DoveadmMailboxStatusParserTests
{
    [Theory]
    // Real doveadm 2.3.19 output: it orders the columns itself, whatever order they were asked in.
    [InlineData("mailbox\tmessages\tuidnext\tuidvalidity\tvsize|Work\t0\t1\t1795617368\t0|INBOX\t1\t2\t1795617367\t32", "Work:0:0:1:1795617368;INBOX:1:32:2:1795617367")]
    [InlineData("mailbox\tmessages\tvsize|Work\t0\t0|INBOX\t1\t32", "Work:0:0::;INBOX:1:32::")]
    [InlineData("mailbox\tmessages\tvsize", "")]
    public void ReadsColumnsByHeader_WhenGivenTabOutput(string output, string expected)
    {
        var rows = DoveadmMailboxStatusParser.Parse(output.Split('|'));

        Assert.Equal(expected, string.Join(';', rows.Select(r => $"{r.Mailbox}:{r.Messages}:{r.VirtualSize}:{r.UidNext}:{r.UidValidity}")));
    }

    [Fact]
    public void Throws_WhenOutputHasNoMailboxHeader()
    {
        Assert.Throws<FormatException>(() => DoveadmMailboxStatusParser.Parse(["Error: User lookup failed"]));
    }
}
