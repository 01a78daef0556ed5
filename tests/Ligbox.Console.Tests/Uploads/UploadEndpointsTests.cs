using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ligbox.Core.Uploads;

namespace Ligbox.Console.Tests.Uploads;

/// <summary>Protocol details and error paths of the tus endpoints, driven with HttpClient.</summary>
public sealed class UploadEndpointsTests
{
    private const string Prefix = TusTestServer.Prefix;

    [Fact]
    public async Task Options_AdvertisesVersionExtensionsMaxSizeAndChecksums()
    {
        await using var server = await TusTestServer.StartAsync(o => o.MaxSize = 12345);
        using var client = server.CreateClient("alice");

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Options, Prefix));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("1.0.0", Header(response, "Tus-Version"));
        Assert.Equal("1.0.0", Header(response, "Tus-Resumable"));
        Assert.Equal("creation,creation-with-upload,termination,expiration,checksum", Header(response, "Tus-Extension"));
        Assert.Equal("12345", Header(response, "Tus-Max-Size"));
        Assert.Equal("sha1,md5,sha256", Header(response, "Tus-Checksum-Algorithm"));
    }

    [Fact]
    public async Task Create_Returns201WithServerIdLocation_AndHeadEchoesState()
    {
        await using var server = await TusTestServer.StartAsync();
        using var client = server.CreateClient("alice");

        var location = await CreateAsync(client, 100, Metadata(("filename", "../../etc/passwd"), ("jobId", "7")));
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, location));

        Assert.Matches($"^{Prefix}/[0-9a-f]{{32}}$", location);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("0", Header(head, "Upload-Offset"));
        Assert.Equal("100", Header(head, "Upload-Length"));
        Assert.Equal("no-store", head.Headers.CacheControl?.ToString());
        Assert.NotNull(Header(head, "Upload-Expires"));
        Assert.Equal(Metadata(("filename", "../../etc/passwd"), ("jobId", "7")), Header(head, "Upload-Metadata"));
        Assert.Equal(
            [Id(location) + ".bin", Id(location) + ".json"],
            Directory.GetFiles(server.Store.DirectoryPath).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task Patch_Returns204WithNewOffset_AndCompletesUpload()
    {
        await using var server = await TusTestServer.StartAsync();
        using var client = server.CreateClient("alice");
        var location = await CreateAsync(client, 10);

        using var first = await PatchAsync(client, location, 0, "hello"u8.ToArray());
        using var second = await PatchAsync(client, location, 5, "world"u8.ToArray());

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal("5", Header(first, "Upload-Offset"));
        Assert.NotNull(Header(first, "Upload-Expires"));
        Assert.Equal(HttpStatusCode.NoContent, second.StatusCode);
        Assert.Equal("10", Header(second, "Upload-Offset"));
        Assert.Null(Header(second, "Upload-Expires"));
        Assert.Equal("helloworld", await File.ReadAllTextAsync(server.Store.GetDataFilePath(Id(location))));
        Assert.Single(server.Completed.Calls);
    }

    [Fact]
    public async Task CreationWithUpload_StoresTheBodySentWithPost()
    {
        await using var server = await TusTestServer.StartAsync();
        using var client = server.CreateClient("alice");
        var request = new HttpRequestMessage(HttpMethod.Post, Prefix) { Content = OffsetContent("abc"u8.ToArray()) };
        request.Headers.Add("Upload-Length", "6");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("3", Header(response, "Upload-Offset"));
        Assert.Equal("abc", await File.ReadAllTextAsync(server.Store.GetDataFilePath(Id(response.Headers.Location!.ToString()))));
    }

    [Fact]
    public async Task Patch_Returns423_WhileAnotherPatchRuns_AndKeepsBytesOfAbortedPatch()
    {
        await using var server = await TusTestServer.StartAsync();
        using var client = server.CreateClient("alice");
        var location = await CreateAsync(client, 1_000_000);
        var dataFile = server.Store.GetDataFilePath(Id(location));
        var firstPart = new byte[300_000];
        Random.Shared.NextBytes(firstPart);

        // A raw PATCH that announces 1 MB, sends 300 KB and stalls: a client on a dying connection.
        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(server.BaseUrl.Host, server.BaseUrl.Port);
            var stream = socket.GetStream();
            var head = $"PATCH {location} HTTP/1.1\r\nHost: {server.BaseUrl.Authority}\r\nTus-Resumable: 1.0.0\r\n"
                + "X-Test-User: alice\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
                + "Content-Length: 1000000\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream.WriteAsync(firstPart);
            await stream.FlushAsync();
            await WaitUntilAsync(() => new FileInfo(dataFile).Length == firstPart.Length);

            using var concurrent = await PatchAsync(client, location, 0, [1, 2, 3]);
            Assert.Equal(HttpStatusCode.Locked, concurrent.StatusCode);
        }

        // The connection is gone: the server keeps the 300 KB and the client resumes from there.
        await WaitUntilAsync(async () =>
        {
            using var probe = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, location));
            return Header(probe, "Upload-Offset") == "300000";
        });
        var rest = new byte[700_000];
        Random.Shared.NextBytes(rest);
        // The offset can be visible before the server has seen the dead connection and released the
        // upload's lock; like tus-js-client, retry while it answers 423 Locked.
        var resume = await PatchAsync(client, location, 300_000, rest);
        for (var attempt = 0; resume.StatusCode == HttpStatusCode.Locked && attempt < 50; attempt++)
        {
            resume.Dispose();
            await Task.Delay(200);
            resume = await PatchAsync(client, location, 300_000, rest);
        }

        using var _ = resume;
        Assert.Equal(HttpStatusCode.NoContent, resume.StatusCode);
        Assert.Equal("1000000", Header(resume, "Upload-Offset"));
        var stored = await File.ReadAllBytesAsync(dataFile);
        Assert.Equal(firstPart.Concat(rest), stored);
    }

    [Fact]
    public async Task Patch_Returns409_WhenOffsetDoesNotMatch()
    {
        await using var server = await TusTestServer.StartAsync();
        using var client = server.CreateClient("alice");
        var location = await CreateAsync(client, 10);

        using var response = await PatchAsync(client, location, 3, "abc"u8.ToArray());

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, (await server.Store.GetAsync(Id(location)))!.Offset);
    }

    [Fact]
    public async Task Patch_Returns415_WhenContentTypeIsNotOffsetOctetStream()
    {
        await using var server = await TusTestServer.StartAsync();
        using var client = server.CreateClient("alice");
        var location = await CreateAsync(client, 10);
        var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ByteArrayContent("abc"u8.ToArray()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.Add("Upload-Offset", "0");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Patch_Returns460AndDiscardsChunk_WhenChecksumDoesNotMatch()
    {
        await using var server = await TusTestServer.StartAsync();
        using var client = server.CreateClient("alice");
        var location = await CreateAsync(client, 6);
        var data = "abcdef"u8.ToArray();
        var wrong = "sha1 " + Convert.ToBase64String(SHA1.HashData("abcdeX"u8.ToArray()));
        var right = "sha256 " + Convert.ToBase64String(SHA256.HashData(data));

        using var mismatch = await PatchAsync(client, location, 0, data, checksum: wrong);
        var afterMismatch = await server.Store.GetAsync(Id(location));
        var bytesOnDiskAfterMismatch = new FileInfo(server.Store.GetDataFilePath(Id(location))).Length;
        using var match = await PatchAsync(client, location, 0, data, checksum: right);

        Assert.Equal(460, (int)mismatch.StatusCode);
        Assert.Equal(0, afterMismatch!.Offset);
        Assert.Equal(0, bytesOnDiskAfterMismatch);
        Assert.Equal(HttpStatusCode.NoContent, match.StatusCode);
        Assert.Equal("6", Header(match, "Upload-Offset"));
    }

    [Fact]
    public async Task Patch_Returns400_WhenChecksumAlgorithmIsUnsupported()
    {
        await using var server = await TusTestServer.StartAsync();
        using var client = server.CreateClient("alice");
        var location = await CreateAsync(client, 3);

        using var response = await PatchAsync(client, location, 0, "abc"u8.ToArray(), checksum: "crc32 AAAA");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Delete_Returns204_ThenUploadIsGone()
    {
        await using var server = await TusTestServer.StartAsync();
        using var client = server.CreateClient("alice");
        var location = await CreateAsync(client, 10);

        using var delete = await client.DeleteAsync(location);
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, location));
        using var patch = await PatchAsync(client, location, 0, "a"u8.ToArray());

        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, patch.StatusCode);
        Assert.Empty(Directory.GetFiles(server.Store.DirectoryPath));
    }

    [Fact]
    public async Task MethodOverride_TurnsPostIntoDeleteAndHead()
    {
        await using var server = await TusTestServer.StartAsync();
        using var client = server.CreateClient("alice");
        var location = await CreateAsync(client, 10);

        using var head = await client.SendAsync(Override(location, "HEAD"));
        using var delete = await client.SendAsync(Override(location, "DELETE"));
        using var headAfter = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, location));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("0", Header(head, "Upload-Offset"));
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, headAfter.StatusCode);

        static HttpRequestMessage Override(string location, string method)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, location);
            request.Headers.Add("X-HTTP-Method-Override", method);
            return request;
        }
    }

    [Fact]
    public async Task Returns412WithTusVersion_WhenTusResumableIsUnsupported()
    {
        await using var server = await TusTestServer.StartAsync();
        using var client = server.CreateClient("alice");
        var request = new HttpRequestMessage(HttpMethod.Post, Prefix);
        request.Headers.Remove("Tus-Resumable");
        request.Headers.Add("Tus-Resumable", "0.2.2");
        request.Headers.Add("Upload-Length", "10");
        client.DefaultRequestHeaders.Remove("Tus-Resumable");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Equal("1.0.0", Header(response, "Tus-Version"));
        Assert.Empty(await server.Store.ListAsync(null));
    }

    [Fact]
    public async Task Create_Returns413_WhenUploadLengthExceedsMaxSize()
    {
        await using var server = await TusTestServer.StartAsync(o => o.MaxSize = 1000);
        using var client = server.CreateClient("alice");
        var request = new HttpRequestMessage(HttpMethod.Post, Prefix);
        request.Headers.Add("Upload-Length", "1001");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Create_Returns507WithProblem_WhenDiskIsTooFull()
    {
        var freeSpace = new FixedFreeSpace(5_000_000);
        await using var server = await TusTestServer.StartAsync(o => o.MinFreeDiskBytes = 1_000_000, freeSpace);
        using var client = server.CreateClient("alice");
        var request = new HttpRequestMessage(HttpMethod.Post, Prefix);
        request.Headers.Add("Upload-Length", "4500000");

        using var response = await client.SendAsync(request);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.InsufficientStorage, response.StatusCode);
        Assert.Equal(507, problem.GetProperty("status").GetInt32());
        Assert.Contains("free disk space", problem.GetProperty("detail").GetString());
        Assert.Empty(await server.Store.ListAsync(null));
    }

    [Fact]
    public async Task Returns404_ForAnotherUsersUpload_ButAdminSeesIt()
    {
        await using var server = await TusTestServer.StartAsync();
        using var alice = server.CreateClient("alice");
        using var bob = server.CreateClient("bob");
        using var admin = server.CreateClient("carol", "admin");
        var location = await CreateAsync(alice, 10);

        using var bobHead = await bob.SendAsync(new HttpRequestMessage(HttpMethod.Head, location));
        using var bobPatch = await PatchAsync(bob, location, 0, "abc"u8.ToArray());
        using var bobDelete = await bob.DeleteAsync(location);
        using var adminHead = await admin.SendAsync(new HttpRequestMessage(HttpMethod.Head, location));

        Assert.Equal(HttpStatusCode.NotFound, bobHead.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, bobPatch.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, bobDelete.StatusCode);
        Assert.Equal(HttpStatusCode.OK, adminHead.StatusCode);
        Assert.Equal(0, (await server.Store.GetAsync(Id(location)))!.Offset);
        Assert.Empty(await server.Store.ListAsync("bob"));
        Assert.Single(await server.Store.ListAsync("alice"));
    }

    [Fact]
    public async Task Returns401_WhenNotAuthenticated()
    {
        await using var server = await TusTestServer.StartAsync();
        using var alice = server.CreateClient("alice");
        using var anonymous = server.CreateClient(null);
        var location = await CreateAsync(alice, 10);
        var create = new HttpRequestMessage(HttpMethod.Post, Prefix);
        create.Headers.Add("Upload-Length", "10");

        using var createResponse = await anonymous.SendAsync(create);
        using var headResponse = await anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Head, location));

        Assert.Equal(HttpStatusCode.Unauthorized, createResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, headResponse.StatusCode);
        Assert.Single(await server.Store.ListAsync(null));
    }

    [Fact]
    public async Task ExpiredUpload_Answers410_AndIsGoneAfterCleanup()
    {
        await using var server = await TusTestServer.StartAsync(o => o.Expiration = TimeSpan.FromHours(24));
        using var client = server.CreateClient("alice");
        var expiring = await CreateAsync(client, 10);
        using (await PatchAsync(client, expiring, 0, "abc"u8.ToArray()))
        {
        }

        server.Clock.Advance(TimeSpan.FromHours(12));
        var alive = await CreateAsync(client, 10);
        server.Clock.Advance(TimeSpan.FromHours(12) + TimeSpan.FromSeconds(1));

        using var headExpired = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, expiring));
        using var patchExpired = await PatchAsync(client, expiring, 3, "def"u8.ToArray());
        var removed = await server.Store.CleanupExpiredAsync();
        using var headAfterCleanup = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, expiring));
        using var headAlive = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, alive));

        Assert.Equal(HttpStatusCode.Gone, headExpired.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, patchExpired.StatusCode);
        Assert.Equal(1, removed);
        Assert.Equal(HttpStatusCode.NotFound, headAfterCleanup.StatusCode);
        Assert.Equal(HttpStatusCode.OK, headAlive.StatusCode);
        Assert.False(File.Exists(Path.Combine(server.Store.DirectoryPath, Id(expiring) + ".bin")));
    }

    [Fact]
    public async Task CleanupService_RemovesExpiredUploadsInBackground()
    {
        await using var server = await TusTestServer.StartAsync(o =>
        {
            o.Expiration = TimeSpan.FromHours(1);
            o.CleanupInterval = TimeSpan.FromSeconds(1);
        });
        using var client = server.CreateClient("alice");
        var location = await CreateAsync(client, 10);

        server.Clock.Advance(TimeSpan.FromHours(2));

        await WaitUntilAsync(() => !File.Exists(server.Store.GetDataFilePath(Id(location))));
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, location));
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
    }

    private static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(20);
        }
    }

    private static async Task<string> CreateAsync(HttpClient client, long length, string? metadata = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Prefix);
        request.Headers.Add("Upload-Length", length.ToString());
        if (metadata is not null)
        {
            request.Headers.Add("Upload-Metadata", metadata);
        }

        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return response.Headers.Location!.ToString();
    }

    private static Task<HttpResponseMessage> PatchAsync(HttpClient client, string location, long offset, byte[] data, string? checksum = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = OffsetContent(data) };
        request.Headers.Add("Upload-Offset", offset.ToString());
        if (checksum is not null)
        {
            request.Headers.Add("Upload-Checksum", checksum);
        }

        return client.SendAsync(request);
    }

    private static ByteArrayContent OffsetContent(byte[] data)
    {
        var content = new ByteArrayContent(data);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        return content;
    }

    private static string Metadata(params (string Key, string Value)[] pairs) =>
        string.Join(",", pairs.Select(p => p.Key + " " + Convert.ToBase64String(Encoding.UTF8.GetBytes(p.Value))));

    private static string Id(string location) => location[(location.LastIndexOf('/') + 1)..];

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    private sealed class FixedFreeSpace(long bytes) : IFreeSpaceProvider
    {
        public long GetAvailableFreeSpace(string directory) => bytes;
    }
}
