using Ligbox.Core.Pst;
using Ligbox.Core.Runs;
using Ligbox.Core.Storage;

namespace Ligbox.Core.Tests.Storage;

/// <summary>Files written under the data directory while runs work are the console user's only (issue 12: files 0600).</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PrivateFileTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("ligbox-private-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void RunLog_IsCreatedReadableByTheOwnerOnly()
    {
        var path = Path.Combine(_root.FullName, "logs", "job", "run.log");
        using (var log = new RunLog(path, [], TimeProvider.System))
        {
            log.Write("user@example.com", "a line");
        }

        Assert.Equal(PrivateFile.Mode, File.GetUnixFileMode(path));
        Assert.Contains("a line", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuarantinedMessage_AndItsIndex_AreReadableByTheOwnerOnly()
    {
        var source = Path.Combine(_root.FullName, "in.eml");
        await File.WriteAllTextAsync(source, "Subject: hi\r\n\r\nbody\r\n");
        File.SetUnixFileMode(source, (UnixFileMode)0b110_100_100);
        var directory = Path.Combine(_root.FullName, "quarantine", "job", "run");
        var writer = new QuarantineWriter(directory, TimeProvider.System);

        await writer.AddFileAsync(source, new PstFolderStatistics { Source = "Inbox", Destination = "INBOX" }, "hi", "refused by the server", CancellationToken.None);

        Assert.Equal(PrivateFile.Mode, File.GetUnixFileMode(QuarantineWriter.EmlPath(directory, 1)));
        Assert.Equal(PrivateFile.Mode, File.GetUnixFileMode(Path.Combine(directory, QuarantineWriter.IndexFileName)));
        Assert.Equal("refused by the server", Assert.Single(QuarantineWriter.Read(directory)).Reason);
    }

    [Fact]
    public async Task WriteText_ReplacesContent_AndKeepsTheMode()
    {
        var path = Path.Combine(_root.FullName, "import.json");
        await PrivateFile.WriteTextAsync(path, "{\"a\":1}");
        await PrivateFile.WriteTextAsync(path, "{}");

        Assert.Equal("{}", await File.ReadAllTextAsync(path));
        Assert.Equal(PrivateFile.Mode, File.GetUnixFileMode(path));
    }
}
