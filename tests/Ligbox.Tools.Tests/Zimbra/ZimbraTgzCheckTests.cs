using System.IO.Compression;
using Ligbox.Testing.Zimbra;
using Ligbox.Tools.Tests.Support;
using Ligbox.Tools.Zimbra;

namespace Ligbox.Tools.Tests.Zimbra;

public class ZimbraTgzCheckTests
{
    [Fact]
    public async Task The_real_sample_is_a_Zimbra_export()
    {
        var result = await ZimbraTgzCheck.CheckAsync(TestPaths.SharedTestData("zimbra", "ZimbraSample.tgz"));
        Assert.Equal(ZimbraTgzStatus.Valid, result.Status);
    }

    [Fact]
    public async Task A_generated_export_is_valid()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("gen.tgz");
        ZimbraTgzGenerator.WriteFile(path, new ZimbraTgzSpec { Folders = [new("Inbox", 5)] });
        Assert.True((await ZimbraTgzCheck.CheckAsync(path)).IsValid);
    }

    [Fact]
    public async Task A_missing_file()
    {
        using var dir = new TempDirectory();
        Assert.Equal(ZimbraTgzStatus.Missing, (await ZimbraTgzCheck.CheckAsync(dir.Combine("none.tgz"))).Status);
    }

    [Fact]
    public async Task A_file_that_is_not_gzip()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("mail.tgz");
        await File.WriteAllTextAsync(path, "From: someone\r\n\r\nnot a tgz\r\n");
        var result = await ZimbraTgzCheck.CheckAsync(path);
        Assert.Equal(ZimbraTgzStatus.NotGzip, result.Status);
        Assert.Contains("not a gzip", result.Message);
    }

    [Fact]
    public async Task A_corrupt_gzip()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("bad.tgz");
        // The gzip magic, then garbage where the deflate data should be.
        var bytes = new byte[4096];
        new Random(1).NextBytes(bytes);
        (bytes[0], bytes[1], bytes[2], bytes[3]) = (0x1f, 0x8b, 8, 0);
        await File.WriteAllBytesAsync(path, bytes);
        var result = await ZimbraTgzCheck.CheckAsync(path);
        Assert.Equal(ZimbraTgzStatus.CorruptGzip, result.Status);
        Assert.Contains("damaged", result.Message);
    }

    [Fact]
    public async Task Gzip_of_something_that_is_not_a_tar()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("text.tgz");
        await using (var file = File.Create(path))
        await using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        {
            var text = new byte[8192];
            Array.Fill(text, (byte)'x');
            await gzip.WriteAsync(text);
        }

        var result = await ZimbraTgzCheck.CheckAsync(path);
        Assert.Equal(ZimbraTgzStatus.NotTar, result.Status);
        Assert.Contains("not a tar", result.Message);
    }

    [Fact]
    public async Task A_tar_that_is_not_a_Zimbra_export()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("plain.tgz");
        ZimbraTgzGenerator.WritePlainTgz(path);
        var result = await ZimbraTgzCheck.CheckAsync(path);
        Assert.Equal(ZimbraTgzStatus.NotZimbra, result.Status);
        Assert.Contains("not a Zimbra export", result.Message);
    }
}
