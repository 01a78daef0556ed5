using System.Security.Cryptography;
using Xunit.Abstractions;

namespace Ligbox.Console.Tests.Uploads;

/// <summary>The real tus-js-client (Node) against the endpoints on Kestrel.</summary>
public sealed class TusJsClientTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("ligbox-tusjs-");

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _work.Delete(recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task StoresIdenticalFile_WhenUploadedInChunks()
    {
        await using var server = await TusTestServer.StartAsync();
        var file = CreateRandomFile("mailbox.pst", 20 * MiB);

        var run = await NodeTusClient.RunAsync(TusTestServer.TestHeaders("alice"),
        [
            "--endpoint", server.Endpoint.ToString(), "--file", file, "--chunk-size", MiB.ToString(),
            "--metadata", "filename=mailbox.pst", "--metadata", "filetype=application/vnd.ms-outlook",
            "--metadata", "mailboxId=42",
        ]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var id = UploadId(run);
        var info = await server.Store.GetAsync(id);
        Assert.NotNull(info);
        Assert.True(info.IsCompleted);
        Assert.Equal("alice", info.OwnerId);
        Assert.Equal("mailbox.pst", info.FileName);
        Assert.Equal("42", info.Metadata["mailboxId"]);
        Assert.Equal(20, run.All("chunk").Count());
        Assert.Equal(Sha256(file), Sha256(server.Store.GetDataFilePath(id)));
        var completed = Assert.Single(server.Completed.Calls);
        Assert.Equal(id, completed.Upload.Id);
        Assert.Equal(server.Store.GetDataFilePath(id), completed.Path);
    }

    [Fact]
    public async Task ResumesFromServerOffset_WhenClientWasKilledMidUpload()
    {
        await using var server = await TusTestServer.StartAsync();
        var file = CreateRandomFile("big.pst", 20 * MiB);
        var urlStorage = Path.Combine(_work.FullName, "tus-urls.json");
        string[] arguments = ["--endpoint", server.Endpoint.ToString(), "--file", file, "--chunk-size", (4 * MiB).ToString(), "--url-storage", urlStorage];

        // Killed mid-PATCH (inside the third 4 MB chunk), like a closed browser or a dropped VPN.
        var killed = await NodeTusClient.RunAsync(TusTestServer.TestHeaders("alice"), [.. arguments, "--exit-after-bytes", (10 * MiB).ToString()]);
        output.WriteLine("killed run: " + killed);
        Assert.True(killed.ExitCode == 3, killed.ToString());
        var firstUrl = killed.Find("url")?.GetProperty("url").GetString();
        Assert.NotNull(firstUrl);

        var resumed = await NodeTusClient.RunAsync(TusTestServer.TestHeaders("alice"), arguments);

        output.WriteLine("resumed run: " + resumed);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(firstUrl, resumed.Find("resume")?.GetProperty("url").GetString());
        Assert.Equal(firstUrl, resumed.Find("success")?.GetProperty("url").GetString());
        var sentSecondRun = resumed.Find("success")!.Value.GetProperty("bytesSentThisRun").GetInt64();
        Assert.True(sentSecondRun < 20 * MiB, $"second run sent {sentSecondRun} bytes, the whole file again");
        Assert.True(sentSecondRun <= 12 * MiB, $"second run sent {sentSecondRun} bytes; at least 8 MB had been stored before the kill");
        var id = UploadId(resumed);
        Assert.Equal(Sha256(file), Sha256(server.Store.GetDataFilePath(id)));
        Assert.Single(await server.Store.ListAsync("alice"));
        Assert.Single(server.Completed.Calls);
    }

    [Fact]
    public async Task StoresIdenticalFile_WhenPatchIsSentAsPostWithMethodOverride()
    {
        await using var server = await TusTestServer.StartAsync();
        var file = CreateRandomFile("override.pst", 3 * MiB + 17);

        var run = await NodeTusClient.RunAsync(TusTestServer.TestHeaders("alice"),
            ["--endpoint", server.Endpoint.ToString(), "--file", file, "--chunk-size", MiB.ToString(), "--override-patch"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(Sha256(file), Sha256(server.Store.GetDataFilePath(UploadId(run))));
    }

    [Fact]
    public async Task StoresIdenticalFile_WhenFirstChunkIsSentWithCreation()
    {
        await using var server = await TusTestServer.StartAsync();
        var file = CreateRandomFile("with-creation.pst", 2 * MiB + 5);

        var run = await NodeTusClient.RunAsync(TusTestServer.TestHeaders("alice"),
            ["--endpoint", server.Endpoint.ToString(), "--file", file, "--chunk-size", MiB.ToString(), "--data-during-creation"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(Sha256(file), Sha256(server.Store.GetDataFilePath(UploadId(run))));
    }

    [Fact]
    public async Task FailsWith413_WhenFileIsLargerThanMaxSize()
    {
        await using var server = await TusTestServer.StartAsync(o => o.MaxSize = MiB);
        var file = CreateRandomFile("too-big.pst", 2 * MiB);

        var run = await NodeTusClient.RunAsync(TusTestServer.TestHeaders("alice"),
            ["--endpoint", server.Endpoint.ToString(), "--file", file, "--no-retry"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(413, run.Find("error")?.GetProperty("status").GetInt32());
        Assert.Empty(await server.Store.ListAsync(null));
    }

    [Fact]
    public async Task FailsWith401_WhenNotSignedIn()
    {
        await using var server = await TusTestServer.StartAsync();
        var file = CreateRandomFile("anon.pst", 1024);

        var run = await NodeTusClient.RunAsync(TusTestServer.TestHeaders(null),
            ["--endpoint", server.Endpoint.ToString(), "--file", file, "--no-retry"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(401, run.Find("error")?.GetProperty("status").GetInt32());
    }

    private string CreateRandomFile(string name, int size)
    {
        var path = Path.Combine(_work.FullName, name);
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string UploadId(NodeRun run)
    {
        var url = run.Find("success")?.GetProperty("url").GetString() ?? throw new Xunit.Sdk.XunitException(run.ToString());
        return new Uri(url).Segments[^1];
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }
}
