using Ligbox.Tools.Readpst;
using Ligbox.Tools.Tests.Support;

namespace Ligbox.Tools.Tests.Readpst;

public class PstSignatureTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("Outlook_1.pst")]
    [InlineData("passwordprotectedPST.pst")]
    [InlineData("attachAndInline.pst")]
    [InlineData("dist-list.pst")]
    public void IsValid_WhenFileIsARealPst(string name)
    {
        Assert.Equal(PstSignatureStatus.Valid, PstSignature.Check(TestPaths.SharedTestData("pst", name)));
    }

    [Fact]
    public void IsNotPst_WhenFileIsText()
    {
        var path = _temp.Combine("mail.pst");
        File.WriteAllText(path, new string('x', 2048));

        Assert.Equal(PstSignatureStatus.NotPst, PstSignature.Check(path));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(511)]
    public void IsTooShort_WhenFileIsShorterThanAHeader(int length)
    {
        var path = _temp.Combine("short.pst");
        File.WriteAllBytes(path, File.ReadAllBytes(TestPaths.SharedTestData("pst", "dist-list.pst")).AsSpan(0, length).ToArray());

        Assert.Equal(PstSignatureStatus.TooShort, PstSignature.Check(path));
    }

    [Fact]
    public void IsMissing_WhenFileDoesNotExist()
    {
        Assert.Equal(PstSignatureStatus.Missing, PstSignature.Check(_temp.Combine("nope.pst")));
    }
}
