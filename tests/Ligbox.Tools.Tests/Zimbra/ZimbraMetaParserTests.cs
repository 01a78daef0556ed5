using System.Text;
using Ligbox.Tools.Zimbra;

namespace Ligbox.Tools.Tests.Zimbra;

public class ZimbraMetaParserTests
{
    // A message .meta as the sample export writes it (Sent/0000000261-Test.eml.meta).
    private const string SentMessage = """{"date":1562075806,"Path":"/Sent/","metadata":"d1:f25:tatafadfafssfsafasfsafdaf1:s18:xhy@zimbratest.com1:vi10ee","Ver":10,"FlagStr":"s","volume_id":0,"unread":0,"subject":"Test","flags":1,"TagStr":"","type":5,"blob_digest":"2+NTFiS5y4XvqTNsvgsca6tNxfTWvjz7r7zEis6ggvA=","size":1004,"sender":"xhy@zimbratest.com","TagNames":"","parent_id":281,"id":261,"folder_id":5,"index_id":0,"imap_id":261}""";

    [Fact]
    public void A_message_meta_gives_folder_date_size_flags()
    {
        var meta = ZimbraMetaParser.Parse(Encoding.UTF8.GetBytes(SentMessage));

        Assert.Equal(ZimbraItemType.Message, meta.Type);
        Assert.Equal(261, meta.Id);
        Assert.Equal(5, meta.FolderId);
        Assert.Equal("Sent", meta.FolderPath);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1562075806), meta.Date);
        Assert.Equal(1004, meta.Size);
        Assert.Equal(ZimbraFlags.Sent, meta.Flags);
        Assert.False(meta.IsUnread);
        Assert.Empty(meta.Tags);
        Assert.Equal("Test", meta.Subject);
    }

    [Theory]
    [InlineData("/", "")]
    [InlineData("/Inbox", "Inbox")]
    [InlineData("/Inbox/Projetos/2024/", "Inbox/Projetos/2024")]
    [InlineData("/Arquivo/Relatórios/", "Arquivo/Relatórios")]
    public void Folder_path_is_taken_from_Path(string path, string folder)
    {
        var meta = ZimbraMetaParser.Parse(Encoding.UTF8.GetBytes($$"""{"type":5,"Path":"{{path}}","id":1}"""));
        Assert.Equal(folder, meta.FolderPath);
    }

    [Theory]
    [InlineData("u", ZimbraFlags.Unread)]
    [InlineData("f", ZimbraFlags.Flagged)]
    [InlineData("r", ZimbraFlags.Replied)]
    [InlineData("w", ZimbraFlags.Forwarded)]
    [InlineData("d", ZimbraFlags.Draft)]
    [InlineData("s", ZimbraFlags.Sent)]
    [InlineData("a", ZimbraFlags.Attachment)]
    [InlineData("x", ZimbraFlags.Deleted)]
    [InlineData("!", ZimbraFlags.HighPriority)]
    [InlineData("?", ZimbraFlags.LowPriority)]
    [InlineData("#", ZimbraFlags.None)]
    [InlineData("ufrwdsax!?", ZimbraFlags.Unread | ZimbraFlags.Flagged | ZimbraFlags.Replied | ZimbraFlags.Forwarded | ZimbraFlags.Draft
        | ZimbraFlags.Sent | ZimbraFlags.Attachment | ZimbraFlags.Deleted | ZimbraFlags.HighPriority | ZimbraFlags.LowPriority)]
    public void Every_FlagStr_letter_is_read(string flagStr, ZimbraFlags expected)
    {
        Assert.Equal(expected, ZimbraFlagString.Parse(flagStr));
        Assert.Equal(expected, ZimbraFlagString.Parse(ZimbraFlagString.Format(expected)));
    }

    [Fact]
    public void Unread_count_marks_the_message_unread_even_without_the_letter()
    {
        var meta = ZimbraMetaParser.Parse("""{"type":5,"Path":"/Inbox/","unread":1,"FlagStr":""}"""u8);
        Assert.True(meta.IsUnread);
    }

    [Theory]
    [InlineData("", new string[0])]
    [InlineData("Importante", new[] { "Importante" })]
    [InlineData("Importante,Projeto X", new[] { "Importante", "Projeto X" })]
    [InlineData(@"Projeto X,Cliente\, VIP", new[] { "Projeto X", "Cliente, VIP" })]
    public void TagNames_split_on_unescaped_commas(string tagNames, string[] expected)
    {
        Assert.Equal(expected, ZimbraMetaParser.SplitTags(tagNames));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"Path":"/Inbox/"}""")]
    [InlineData("""{"type":5}""")]
    public void Something_that_is_not_a_meta_is_refused_in_plain_words(string json)
    {
        var e = Assert.Throws<ZimbraMetaException>(() => ZimbraMetaParser.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(".meta", e.Message);
    }

    [Theory]
    [InlineData(5, ZimbraItemType.Message, true)]
    [InlineData(16, ZimbraItemType.Chat, true)]
    [InlineData(6, ZimbraItemType.Contact, false)]
    [InlineData(11, ZimbraItemType.Appointment, false)]
    [InlineData(15, ZimbraItemType.Task, false)]
    [InlineData(8, ZimbraItemType.Document, false)]
    [InlineData(99, ZimbraItemType.Unknown, false)]
    public void Item_types_by_number(int number, ZimbraItemType type, bool mail)
    {
        Assert.Equal(type, ZimbraItemTypes.FromNumber(number));
        Assert.Equal(mail, ZimbraItemTypes.IsMail(type));
    }
}
