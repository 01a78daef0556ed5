using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Api;

/// <summary>
/// Every API endpoint against every kind of caller: anonymous, each role, and tokens with and
/// without the scope the endpoint needs.
/// </summary>
public class ApiPermissionMatrixTests(ApiPermissionMatrixTests.Fixture fixture) : IClassFixture<ApiPermissionMatrixTests.Fixture>
{
    public sealed class Fixture : LigboxAppFactory
    {
        public Dictionary<string, HttpClient> Callers { get; } = [];
        public Guid JobId { get; private set; }

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            foreach (var (name, client) in await CreatePeopleClientsAsync())
            {
                Callers[name] = client;
            }

            Callers["token:jobs:read"] = await CreateTokenClientAsync(Scopes.JobsRead);
            Callers["token:jobs:write"] = await CreateTokenClientAsync(Scopes.JobsWrite);
            Callers["token:gate"] = await CreateTokenClientAsync(Scopes.GateRead, Scopes.GateApprove);
            Callers["token:bogus"] = CreateBearerClient("lgbx_not-a-real-token");

            using var created = await Callers["admin"].PostAsJsonAsync("/api/migration/jobs", NewJob("matrix.example.com"));
            created.EnsureSuccessStatusCode();
            JobId = (await created.Content.ReadFromJsonAsync<IdOnly>())!.Id;
        }
    }

    private sealed record IdOnly(Guid Id);

    internal static object NewJob(string domain) => new
    {
        domain,
        source = new { host = "imap.old.example.com", port = 993, security = "Ssl" },
        destination = new { host = "mail.ligbox.example", port = 143, security = "StartTls" },
    };

    public static TheoryData<string> Callers =>
        ["anonymous", "technician", "ops_lead", "admin", "token:jobs:read", "token:jobs:write", "token:gate", "token:bogus"];

    private static readonly string[] People = ["technician", "ops_lead", "admin"];

    private static HttpStatusCode Expected(string caller, string neededScope, HttpStatusCode success) => caller switch
    {
        "anonymous" or "token:bogus" => HttpStatusCode.Unauthorized,
        _ when People.Contains(caller) => success,
        _ when caller == "token:" + neededScope => success,
        _ => HttpStatusCode.Forbidden,
    };

    private async Task AssertStatus(string caller, HttpRequestMessage request, string scope, HttpStatusCode success)
    {
        using var response = await fixture.Callers[caller].SendAsync(request);
        var expected = Expected(caller, scope, success);
        Assert.True(expected == response.StatusCode,
            $"{request.Method} {request.RequestUri} as {caller}: expected {(int)expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        if ((int)response.StatusCode >= 400)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public Task ListJobs(string caller) =>
        AssertStatus(caller, new(HttpMethod.Get, "/api/migration/jobs"), Scopes.JobsRead, HttpStatusCode.OK);

    [Theory]
    [MemberData(nameof(Callers))]
    public Task GetJob(string caller) =>
        AssertStatus(caller, new(HttpMethod.Get, $"/api/migration/jobs/{fixture.JobId}"), Scopes.JobsRead, HttpStatusCode.OK);

    [Theory]
    [MemberData(nameof(Callers))]
    public Task ListMailboxes(string caller) =>
        AssertStatus(caller, new(HttpMethod.Get, $"/api/migration/jobs/{fixture.JobId}/mailboxes"), Scopes.JobsRead, HttpStatusCode.OK);

    [Theory]
    [MemberData(nameof(Callers))]
    public Task CreateJob(string caller) =>
        AssertStatus(caller, new(HttpMethod.Post, "/api/migration/jobs") { Content = JsonContent.Create(NewJob($"c-{Guid.NewGuid():N}.example.com")) },
            Scopes.JobsWrite, HttpStatusCode.Created);

    [Theory]
    [MemberData(nameof(Callers))]
    public Task PatchJob(string caller) =>
        AssertStatus(caller, new(HttpMethod.Patch, $"/api/migration/jobs/{fixture.JobId}") { Content = JsonContent.Create(new { name = "renamed by " + caller }) },
            Scopes.JobsWrite, HttpStatusCode.OK);

    [Theory]
    [MemberData(nameof(Callers))]
    public Task AddMailbox(string caller) =>
        AssertStatus(caller, new(HttpMethod.Post, $"/api/migration/jobs/{fixture.JobId}/mailboxes")
        {
            Content = JsonContent.Create(new { sourceUser = $"{Guid.NewGuid():N}@old.example.com", sourcePassword = "s3cret", destUser = "x@new.example.com", destPassword = "d3st" }),
        }, Scopes.JobsWrite, HttpStatusCode.Created);

    /// <summary>A fresh mailbox of the matrix job, added directly through the service (not one of the calls under test).</summary>
    private async Task<Guid> NewMailboxAsync()
    {
        using var scope = fixture.Services.CreateScope();
        var mailbox = await scope.ServiceProvider.GetRequiredService<Ligbox.Core.Mailboxes.MailboxService>().AddAsync(fixture.JobId,
            new Ligbox.Core.Jobs.AddMailboxRequest { SourceUser = $"{Guid.NewGuid():N}@old.example.com", SourcePassword = "s", DestUser = "y@new.example.com", DestPassword = "d" },
            "matrix");
        return mailbox.Id;
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task PatchMailbox(string caller) =>
        await AssertStatus(caller, new(HttpMethod.Patch, $"/api/migration/jobs/{fixture.JobId}/mailboxes/{await NewMailboxAsync()}")
        {
            Content = JsonContent.Create(new { sourcePassword = "n3w" }),
        }, Scopes.JobsWrite, HttpStatusCode.OK);

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task DeleteMailbox(string caller) =>
        await AssertStatus(caller, new(HttpMethod.Delete, $"/api/migration/jobs/{fixture.JobId}/mailboxes/{await NewMailboxAsync()}"),
            Scopes.JobsWrite, HttpStatusCode.NoContent);

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task ExcludeMailbox(string caller) =>
        await AssertStatus(caller, new(HttpMethod.Post, $"/api/migration/jobs/{fixture.JobId}/mailboxes/{await NewMailboxAsync()}/exclude")
        {
            Content = JsonContent.Create(new { reason = "left" }),
        }, Scopes.JobsWrite, HttpStatusCode.OK);

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task TestConnection(string caller) =>
        await AssertStatus(caller, new(HttpMethod.Post, $"/api/migration/jobs/{fixture.JobId}/test-connection")
        {
            Content = JsonContent.Create(new { mailboxId = await NewMailboxAsync() }),
        }, Scopes.JobsWrite, HttpStatusCode.OK);

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task IncludeMailbox(string caller)
    {
        var id = await NewMailboxAsync();
        using (var scope = fixture.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<Ligbox.Core.Mailboxes.MailboxService>().ExcludeAsync(fixture.JobId, id, "left", "matrix");
        }

        await AssertStatus(caller, new(HttpMethod.Post, $"/api/migration/jobs/{fixture.JobId}/mailboxes/{id}/include"), Scopes.JobsWrite, HttpStatusCode.OK);
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public Task ImportMailboxes(string caller) =>
        AssertStatus(caller, new(HttpMethod.Post, $"/api/migration/jobs/{fixture.JobId}/mailboxes/import")
        {
            Content = new StringContent($"source_user,source_password,dest_user,dest_password\n{Guid.NewGuid():N}@old.example.com,a,b@new.example.com,c\n",
                new MediaTypeHeaderValue("text/csv")),
        }, Scopes.JobsWrite, HttpStatusCode.OK);

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task CancelJob(string caller)
    {
        // A fresh job per caller, so the successful cancels don't turn later ones into 409s.
        using var created = await fixture.Callers["admin"].PostAsJsonAsync("/api/migration/jobs", NewJob($"x-{Guid.NewGuid():N}.example.com"));
        var id = (await created.Content.ReadFromJsonAsync<IdOnly>())!.Id;
        await AssertStatus(caller, new(HttpMethod.Post, $"/api/migration/jobs/{id}/cancel") { Content = JsonContent.Create(new { reason = "test" }) },
            Scopes.JobsWrite, HttpStatusCode.OK);
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public Task GetSchedule(string caller) =>
        AssertStatus(caller, new(HttpMethod.Get, $"/api/migration/jobs/{fixture.JobId}/schedule"), Scopes.JobsRead, HttpStatusCode.OK);

    [Theory]
    [MemberData(nameof(Callers))]
    public Task PutSchedule(string caller) =>
        AssertStatus(caller, new(HttpMethod.Put, $"/api/migration/jobs/{fixture.JobId}/schedule") { Content = JsonContent.Create(new { enabled = false, everyHours = 8 }) },
            Scopes.JobsWrite, HttpStatusCode.OK);

    [Theory]
    [MemberData(nameof(Callers))]
    public Task CreateUpload(string caller)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/migration/uploads");
        request.Headers.Add("Tus-Resumable", "1.0.0");
        request.Headers.Add("Upload-Length", "10");
        request.Headers.Add("Upload-Metadata", "filename " + Convert.ToBase64String("mail.pst"u8.ToArray()));
        return AssertStatus(caller, request, Scopes.JobsWrite, HttpStatusCode.Created);
    }

    [Fact]
    public async Task OpenApiDocument_IsServed_AndListsTheJobsEndpoints()
    {
        var doc = await fixture.Callers["anonymous"].GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/migration/jobs/{id}/mailboxes/import", doc);
    }
}
