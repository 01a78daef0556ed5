using System.Globalization;
using Ligbox.Core.Formatting;

namespace Ligbox.Core.Tests.Formatting;

/// <summary>Sizes written for the reader's culture (issue 16): the decimal comma in Portuguese, the point in English.</summary>
public class ByteSizeTests
{
    private static CultureInfo C(string name) => CultureInfo.GetCultureInfo(name);

    [Theory]
    [InlineData("en", 0L, "0 B")]
    [InlineData("en", 1023L, "1,023 B")]
    [InlineData("en", 1536L, "2 KB")]
    [InlineData("en", 3L << 20, "3.0 MB")]
    [InlineData("en", 1_294_467_072L, "1.2 GB")]
    [InlineData("en", 1_325_877_248_000L, "1,234.8 GB")]
    [InlineData("pt-PT", 3L << 20, "3,0 MB")]
    [InlineData("pt-PT", 1_294_467_072L, "1,2 GB")]
    [InlineData("pt-BR", 1_325_877_248_000L, "1.234,8 GB")]
    [InlineData("pt-BR", 1023L, "1.023 B")]
    public void WritesTheSize_InTheGivenCulture(string culture, long bytes, string expected) =>
        Assert.Equal(expected, ByteSize.Format(bytes, C(culture)));

    [Fact]
    public void EuropeanPortuguese_GroupsThousandsAsItsCultureSays_AndUsesTheDecimalComma()
    {
        // CLDR's pt-PT groups with a (no-break) space: whatever the platform says, the digits and the comma are Portuguese.
        var text = ByteSize.Format(1_325_877_248_000L, C("pt-PT"));
        Assert.Equal($"1{C("pt-PT").NumberFormat.NumberGroupSeparator}234,8 GB", text);
    }

    [Fact]
    public void FollowsTheCurrentCulture_WhenNoneIsGiven()
    {
        var before = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = C("pt-PT");
            Assert.Equal("1,5 MB", ByteSize.Format(3L << 19));
            Assert.Equal("1,5", ByteSize.Megabytes(3L << 19));
            CultureInfo.CurrentCulture = C("en-GB");
            Assert.Equal("1.5 MB", ByteSize.Format(3L << 19));
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }
}
