using Ligbox.Tools.NativeImap;

namespace Ligbox.Tools.Tests.Tls;

public class CertificatePinTests
{
    private const string Hex = "3A5F00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDD";

    [Theory]
    [InlineData(Hex)]
    [InlineData("3a5f00112233445566778899aabbccddeeff00112233445566778899aabbccdd")]
    [InlineData("3A:5F:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD")]
    [InlineData("sha256 Fingerprint=3A:5F:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD")]
    [InlineData("sha256$" + Hex)]
    [InlineData("SHA256:" + Hex)]
    [InlineData("  3A 5F 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF 00 11 22 33 44 55 66 77 88 99 AA BB CC DD ")]
    public void ReadsAFingerprint_AsPeoplePasteIt(string text)
    {
        Assert.True(CertificatePin.TryNormalize(text, out var pin));
        Assert.Equal(Hex, pin);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("3A:5F")]
    [InlineData("ZZ5F00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDD")]
    [InlineData("3A5F00112233445566778899AABBCCDDEEFF00112233445566778899AABBCC")] // one byte short
    public void RefusesWhatIsNotASha256Fingerprint(string? text)
    {
        Assert.False(CertificatePin.TryNormalize(text, out _));
    }

    [Fact]
    public void DisplaysColonSeparatedPairs()
    {
        Assert.StartsWith("3A:5F:00:11", CertificatePin.Display(Hex));
        Assert.Equal(95, CertificatePin.Display(Hex).Length);
    }
}
