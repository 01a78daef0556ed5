using Ligbox.Console.Uploads;

namespace Ligbox.Console.Tests.Uploads;

public sealed class TusMetadataTests
{
    [Fact]
    public void ParsesPairs_AndKeysWithoutValue()
    {
        Assert.True(TusMetadata.TryParse("filename bWFpbC5wc3Q=, is_confidential,mailboxId NDI=", out var metadata, out var error));

        Assert.Null(error);
        Assert.Equal("mail.pst", metadata["filename"]);
        Assert.Null(metadata["is_confidential"]);
        Assert.Equal("42", metadata["mailboxId"]);
        Assert.Equal("filename bWFpbC5wc3Q=,is_confidential,mailboxId NDI=", TusMetadata.Format(metadata));
    }

    [Theory]
    [InlineData("filename not*base64")]
    [InlineData("filename bWFpbC5wc3Q=,filename bWFpbC5wc3Q=")]
    [InlineData("filename bWFp bC5w")]
    [InlineData("filename //79")]
    [InlineData(",")]
    public void Rejects_InvalidHeaders(string header)
    {
        Assert.False(TusMetadata.TryParse(header, out _, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void AcceptsMissingHeader_AsNoMetadata()
    {
        Assert.True(TusMetadata.TryParse(null, out var metadata, out _));
        Assert.Empty(metadata);
    }
}
