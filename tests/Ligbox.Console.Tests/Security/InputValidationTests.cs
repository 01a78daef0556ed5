using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ligbox.Console.Tests.Pst;
using Ligbox.Core.Accounts;
using Ligbox.Core.Jobs;
using Ligbox.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Security;

/// <summary>The 500s and silent acceptances of issue 12, each now a plain 400/507 or a stored empty list.</summary>
public class InputValidationTests(InputValidationTests.App app) : IClassFixture<InputValidationTests.App>
{
    public sealed class App() : SecurityAppFactory(new Dictionary<string, string?>
    {
        ["Ligbox:Network:AllowedHosts:0"] = "*.allowed.example:993",
        ["Ligbox:Network:AllowedHosts:1"] = "127.0.0.0/8",
        ["Ligbox:Uploads:MaxPendingBytesPerOwner"] = "1000",
        ["Ligbox:Uploads:MaxPendingBytes"] = "1500",
        ["Ligbox:Schedules:MinInterval"] = "00:15:00",
    });

    private static string Job(string domain, string extra = "", string host = "imap.allowed.example") =>
        $"{{\"domain\":\"{domain}\",\"source\":{{\"host\":\"{host}\",\"port\":993}},\"destination\":{{\"host\":\"mx.allowed.example\",\"port\":993}}{extra}}}";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private async Task<HttpClient> ApiAsync() => await app.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);

    [Fact]
    public async Task NullOptionLists_AreStoredEmpty_OnCreateAndPatch()
    {
        var api = await ApiAsync();
        using var created = await api.PostAsync("/api/migration/jobs", Json(Job("null-lists.example", ",\"options\":{\"includeFolders\":null,\"folderMappings\":null}")));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var job = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, job.GetProperty("options").GetProperty("includeFolders").GetArrayLength());

        using var patched = await api.PatchAsync(created.Headers.Location, Json("{\"options\":{\"excludeFolders\":null,\"folderMappings\":null}}"));
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
    }

    [Theory]
    [InlineData("{\"domain\":\"enum.example\",\"source\":{\"host\":\"imap.allowed.example\"},\"destination\":{\"host\":\"mx.allowed.example\"},\"engine\":5}")]
    [InlineData("{\"domain\":\"enum.example\",\"source\":{\"host\":\"imap.allowed.example\"},\"destination\":{\"host\":\"mx.allowed.example\"},\"engine\":\"Quantum\"}")]
    [InlineData("{\"domain\":\"enum.example\",\"source\":{\"host\":\"imap.allowed.example\",\"security\":7},\"destination\":{\"host\":\"mx.allowed.example\"}}")]
    public async Task UndefinedEnums_Are400(string body)
    {
        var api = await ApiAsync();
        using var response = await api.PostAsync("/api/migration/jobs", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var patched = await api.PatchAsync("/api/migration/jobs/00000000-0000-0000-0000-000000000001", Json("{\"engine\":5}"));
        Assert.Equal(HttpStatusCode.BadRequest, patched.StatusCode);
    }

    [Theory]
    [InlineData("* * * * * ?")]
    [InlineData("0 0/5 * * * ?")]
    [InlineData("0 0,10 * * * ?")]
    public async Task SchedulesUnderTheMinimumInterval_Are400_NamingTheSetting(string cron)
    {
        var api = await ApiAsync();
        using var created = await api.PostAsync("/api/migration/jobs", Json(Job($"cron-{Guid.NewGuid():N}"[..20] + ".example")));
        using var response = await api.PutAsync(created.Headers.Location + "/schedule", Json($"{{\"enabled\":true,\"cron\":\"{cron}\"}}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Ligbox:Schedules:MinInterval", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var hourly = await api.PutAsync(created.Headers.Location + "/schedule", Json("{\"enabled\":true,\"cron\":\"0 0 * * * ?\"}"));
        Assert.Equal(HttpStatusCode.OK, hourly.StatusCode);
    }

    [Fact]
    public async Task CsvWithInvalidUtf8_Is400_NamingTheLine_AndNothingIsStored()
    {
        var api = await ApiAsync();
        using var created = await api.PostAsync("/api/migration/jobs", Json(Job("csv-utf8.example")));
        byte[] csv = [.. "source_user,source_password,dest_user,dest_password\nana@x.example,ok,ana@y.example,ok\nbob@x.example,p"u8.ToArray(), 0xE9, .. "t\xE9,bob@y.example,p\n"u8.ToArray()];
        var content = new ByteArrayContent(csv);
        content.Headers.ContentType = new("text/csv");

        using var response = await api.PostAsync(created.Headers.Location + "/mailboxes/import", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Line 3 is not valid UTF-8", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, (await api.GetFromJsonAsync<JsonElement>(created.Headers.Location + "/mailboxes")).GetArrayLength());
    }

    [Fact]
    public async Task ServersOutsideTheAllowList_AreRefused_NamingTheSetting()
    {
        var api = await ApiAsync();
        using var other = await api.PostAsync("/api/migration/jobs", Json(Job("allow.example", host: "imap.elsewhere.example")));
        using var otherPort = await api.PostAsync("/api/migration/jobs", Json(Job("allow.example").Replace("\"port\":993},\"dest", "\"port\":143},\"dest", StringComparison.Ordinal)));
        using var allowed = await api.PostAsync("/api/migration/jobs", Json(Job("allow.example")));

        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
        Assert.Contains("Ligbox:Network:AllowedHosts", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, otherPort.StatusCode);
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
    }

    [Fact]
    public async Task TestConnection_ToAServerOutsideTheAllowList_IsRefused_WithoutConnecting()
    {
        // A job stored before the list was narrowed: its source is no longer allowed.
        var factory = app.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>();
        var job = new MigrationJob("narrowed.example", "narrowed.example", null, new ServerEndpoint { Host = "imap.elsewhere.example" },
            new ServerEndpoint { Host = "mx.allowed.example" }, SyncEngineKind.Native, new JobOptions(), "seed", DateTime.UtcNow);
        await using (var db = await factory.CreateDbContextAsync())
        {
            db.Jobs.Add(job);
            await db.SaveChangesAsync();
        }

        var api = await ApiAsync();
        using var refused = await api.PostAsync($"/api/migration/jobs/{job.Id}/test-connection",
            Json("{\"sourceUser\":\"a\",\"sourcePassword\":\"b\",\"destUser\":\"c\",\"destPassword\":\"d\"}"));

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Contains("imap.elsewhere.example:993", body, StringComparison.Ordinal);
        Assert.Contains("Ligbox:Network:AllowedHosts", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeclaredUploadLengths_CountAgainstPerOwnerAndGlobalQuotas()
    {
        var first = await ApiAsync();
        var second = await ApiAsync();

        Assert.Equal(HttpStatusCode.Created, await CreateUploadAsync(first, 800));
        var overOwn = await CreateUploadResponseAsync(first, 300);
        Assert.Equal(HttpStatusCode.Created, await CreateUploadAsync(second, 600));
        var overAll = await CreateUploadResponseAsync(second, 200);

        Assert.Equal(507, (int)overOwn.Status);
        Assert.Contains("Ligbox:Uploads:MaxPendingBytesPerOwner", overOwn.Body, StringComparison.Ordinal);
        Assert.Equal(507, (int)overAll.Status);
        Assert.Contains("Ligbox:Uploads:MaxPendingBytes", overAll.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadRefusedByTheContentCheck_IsDeletedAtOnce()
    {
        var api = await app.CreateTokenClientAsync(Scopes.All.ToArray());
        using var created = await api.PostAsync("/api/migration/jobs", Json(Job("rejected-upload.example", host: "127.0.0.1").Replace("mx.allowed.example\",\"port\":993", "127.0.0.2\",\"port\":993", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var mailbox = await api.PostAsync(created.Headers.Location + "/mailboxes", Json("{\"sourceUser\":\"a@x.example\",\"sourcePassword\":\"p\",\"destUser\":\"a@y.example\",\"destPassword\":\"p\"}"));
        var mailboxId = (await mailbox.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var uploadId = await PstUploads.TusUploadAsync(api, "source_user,source_password\nceo@x.example,Secret123\n"u8.ToArray(), "mailboxes.pst");

        using var import = await api.PostAsJsonAsync($"{created.Headers.Location}/mailboxes/{mailboxId}/import", new { uploadId });

        Assert.Equal(HttpStatusCode.BadRequest, import.StatusCode);
        using var head = new HttpRequestMessage(HttpMethod.Head, $"/api/migration/uploads/{uploadId}");
        head.Headers.Add("Tus-Resumable", "1.0.0");
        using var gone = await api.SendAsync(head);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    private static async Task<HttpStatusCode> CreateUploadAsync(HttpClient api, long length) => (await CreateUploadResponseAsync(api, length)).Status;

    private static async Task<(HttpStatusCode Status, string Body)> CreateUploadResponseAsync(HttpClient api, long length)
    {
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/migration/uploads");
        create.Headers.Add("Tus-Resumable", "1.0.0");
        create.Headers.Add("Upload-Length", length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        create.Headers.Add("Upload-Metadata", "filename " + Convert.ToBase64String("big.pst"u8.ToArray()));
        using var response = await api.SendAsync(create);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
