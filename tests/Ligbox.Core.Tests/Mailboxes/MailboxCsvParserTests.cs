using System.Text;
using Ligbox.Core.Mailboxes;

namespace Ligbox.Core.Tests.Mailboxes;

public class MailboxCsvParserTests
{
    private const string Header = "source_user,source_password,dest_user,dest_password";

    [Fact]
    public void Parse_ReadsRows_WhenFileIsWellFormed()
    {
        var result = MailboxCsvParser.Parse(Header + "\nana@old.com,pw1,ana@new.com,pw2\nbob@old.com,pw3,bob@new.com,pw4\n");
        Assert.True(result.IsValid);
        Assert.Equal(2, result.Rows.Count);
        Assert.Equal(new MailboxCsvRow(2, "ana@old.com", "pw1", "ana@new.com", "pw2", null), result.Rows[0]);
        Assert.Equal(3, result.Rows[1].Line);
    }

    [Fact]
    public void Parse_HandlesBomCrlfQuotesAndBlankLines()
    {
        var csv = "\uFEFF" + Header + ",dest_folder_prefix\r\n\r\n" +
                  "\"ana@old.com\",\"p,w \"\"quoted\"\" 1\",ana@new.com,\" spaced \",Imported\r\n" +
                  "   \r\n" +
                  "bob@old.com,\"multi\",bob@new.com,x,\r\n";
        var result = MailboxCsvParser.Parse(csv);
        Assert.Empty(result.Errors);
        Assert.Equal(2, result.Rows.Count);
        Assert.Equal("p,w \"quoted\" 1", result.Rows[0].SourcePassword);
        Assert.Equal(" spaced ", result.Rows[0].DestPassword);
        Assert.Equal("Imported", result.Rows[0].DestFolderPrefix);
        Assert.Equal(3, result.Rows[0].Line);
        Assert.Equal(5, result.Rows[1].Line);
        Assert.Null(result.Rows[1].DestFolderPrefix);
    }

    [Fact]
    public void Parse_AcceptsColumnsInAnyOrder()
    {
        var result = MailboxCsvParser.Parse("dest_user,dest_password,source_user,source_password\nn@x.com,b,o@x.com,a\n");
        Assert.Empty(result.Errors);
        Assert.Equal("o@x.com", result.Rows[0].SourceUser);
        Assert.Equal("a", result.Rows[0].SourcePassword);
    }

    [Theory]
    [InlineData("", 1, "empty")]
    [InlineData("user,password\nx,y\n", 1, "Unknown column")]
    [InlineData("source_user,source_password,dest_user\na,b,c\n", 1, "missing dest_password")]
    [InlineData(Header + "\n", 1, "no mailbox rows")]
    public void Parse_ReportsHeaderProblems(string csv, int line, string fragment)
    {
        var result = MailboxCsvParser.Parse(csv);
        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Line == line && e.Reason.Contains(fragment, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_ReportsEveryBadRowWithLineAndReason()
    {
        var csv = Header + "\n" +
                  "ana@old.com,pw,ana@new.com,pw\n" +      // 2 ok
                  ",pw,x@new.com,pw\n" +                   // 3 empty source_user
                  "bob@old.com,,bob@new.com,pw\n" +        // 4 empty source_password
                  "=cmd|' /C calc'!A0,pw,c@new.com,pw\n" + // 5 formula
                  "d@old.com,pw,d new@x.com,pw\n" +        // 6 space in login
                  "e@old.com,pw,e@new.com\n" +             // 7 too few columns
                  "ANA@old.com,pw,z@new.com,pw\n" +        // 8 duplicate of line 2
                  "\"f@old.com,pw,f@new.com,pw\n";         // 9 unterminated quote
        var result = MailboxCsvParser.Parse(csv);
        Assert.Single(result.Rows);
        var byLine = result.Errors.ToLookup(e => e.Line);
        Assert.Contains(byLine[3], e => e.Field == "source_user" && e.Reason.Contains("empty"));
        Assert.Contains(byLine[4], e => e.Field == "source_password");
        Assert.Contains(byLine[5], e => e.Reason.Contains("formula"));
        Assert.Contains(byLine[6], e => e.Field == "dest_user");
        Assert.Contains(byLine[7], e => e.Reason.Contains("Expected 4 columns"));
        Assert.Contains(byLine[8], e => e.Reason.Contains("first on line 2"));
        Assert.Contains(byLine[9], e => e.Reason.Contains("never closed"));
    }

    [Fact]
    public void Parse_RefusesFolderPrefixThatEscapes()
    {
        var result = MailboxCsvParser.Parse(Header + ",dest_folder_prefix\na@o.com,p,a@n.com,p,../../etc\n");
        Assert.Contains(result.Errors, e => e.Line == 2 && e.Field == "dest_folder_prefix");
    }

    [Fact]
    public void Parse_Handles10000Rows()
    {
        var sb = new StringBuilder(Header + "\r\n");
        for (var i = 0; i < 10_000; i++)
        {
            sb.Append($"user{i}@old.example.com,\"pass,{i}\",user{i}@new.example.com,secret{i}\r\n");
        }

        var result = MailboxCsvParser.Parse(sb.ToString());
        Assert.Empty(result.Errors);
        Assert.Equal(10_000, result.Rows.Count);
        Assert.Equal(10_001, result.Rows[^1].Line);
        Assert.Equal("pass,9999", result.Rows[^1].SourcePassword);
    }
}
