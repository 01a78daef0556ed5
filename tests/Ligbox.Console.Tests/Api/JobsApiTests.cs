using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;

namespace Ligbox.Console.Tests.Api;

public class JobsApiTests(JobsApiTests.Fixture fixture) : IClassFixture<JobsApiTests.Fixture>
{
    public sealed class Fixture : LigboxAppFactory
    {
        public HttpClient Api { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Api = await CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        }
    }

    private HttpClient Api => fixture.Api;

    private async Task<JsonElement> CreateJobAsync(string domain, string? ticket = null)
    {
        using var response = await Api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain,
            ticketId = ticket,
            source = new { host = "imap.old.example.com", port = 993, security = "Ssl" },
            destination = new { host = "mail.ligbox.example", port = 143, security = "StartTls" },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.NotNull(response.Headers.Location);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task CreateJob_ReturnsFieldErrorsAsProblemDetails_WhenInvalid()
    {
        using var response = await Api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain = "not a domain",
            source = new { host = "", port = 0 },
            destination = new { host = "ok.example.com", port = 993 },
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("domain", out _));
        Assert.True(errors.TryGetProperty("source.host", out _));
        Assert.True(errors.TryGetProperty("source.port", out _));
    }

    [Fact]
    public async Task GetJob_Returns404Problem_WhenUnknown()
    {
        using var response = await Api.GetAsync($"/api/migration/jobs/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ListJobs_FiltersByDomainTicketAndPhase_WithPaging()
    {
        var domain = $"list-{Guid.NewGuid():N}.example.com";
        var job = await CreateJobAsync(domain, "DESK-7");
        var byDomain = await Api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs?domain={domain}");
        Assert.Equal(1, byDomain.GetProperty("total").GetInt32());
        var item = byDomain.GetProperty("items")[0];
        Assert.Equal("Draft", item.GetProperty("phase").GetString());
        Assert.Equal("https://helpdesk.example/tickets/DESK-7", item.GetProperty("ticketUrl").GetString());

        var byTicket = await Api.GetFromJsonAsync<JsonElement>("/api/migration/jobs?ticket=DESK-7&pageSize=1&sort=Domain&order=asc");
        Assert.True(byTicket.GetProperty("total").GetInt32() >= 1);
        Assert.Equal(1, byTicket.GetProperty("items").GetArrayLength());

        await Api.PostAsJsonAsync($"/api/migration/jobs/{job.GetProperty("id")}/cancel", new { reason = "test" });
        var cancelled = await Api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs?domain={domain}&phase=Cancelled");
        Assert.Equal(1, cancelled.GetProperty("total").GetInt32());
        var patched = await Api.PatchAsJsonAsync($"/api/migration/jobs/{job.GetProperty("id")}", new { name = "late" });
        Assert.Equal(HttpStatusCode.Conflict, patched.StatusCode);
        Assert.Contains("Cancelled", await patched.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AddMailbox_Returns409_WhenDuplicate_AndNeverReturnsSecrets()
    {
        var job = await CreateJobAsync($"mb-{Guid.NewGuid():N}.example.com");
        var url = $"/api/migration/jobs/{job.GetProperty("id")}/mailboxes";
        var body = new { sourceUser = "ana@old.example.com", sourcePassword = "Pa55-source-!", destUser = "ana@new.example.com", destPassword = "Pa55-dest-!" };
        using var first = await Api.PostAsJsonAsync(url, body);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        using var second = await Api.PostAsJsonAsync(url, body with { });
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);

        var list = await Api.GetStringAsync(url);
        var created = await first.Content.ReadAsStringAsync();
        foreach (var text in new[] { list, created })
        {
            Assert.Contains("ana@old.example.com", text);
            Assert.DoesNotContain("Pa55", text);
            Assert.DoesNotContain("password", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("secret", text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task ImportMailboxes_IsAllOrNothing_WithEveryBadRowReported()
    {
        var job = await CreateJobAsync($"csv-{Guid.NewGuid():N}.example.com");
        var url = $"/api/migration/jobs/{job.GetProperty("id")}/mailboxes";
        var bad = "\uFEFFsource_user,source_password,dest_user,dest_password\r\na@old.com,p,a@new.com,p\r\n,p,b@new.com,p\r\nc@old.com,p,c@new.com\r\n";
        using var rejected = await Api.PostAsync(url + "/import", new StringContent(bad, Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        var problem = await rejected.Content.ReadFromJsonAsync<JsonElement>();
        var lines = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("line").GetInt32()).ToList();
        Assert.Equal([3, 4], lines);
        Assert.Equal(0, (await Api.GetFromJsonAsync<JsonElement>(url)).GetArrayLength());

        var good = "source_user,source_password,dest_user,dest_password,dest_folder_prefix\na@old.com,\"p,1\",a@new.com,p,Imported\nb@old.com,p,b@new.com,p,\n";
        using var form = new MultipartFormDataContent { { new StringContent(good, Encoding.UTF8, "text/csv"), "file", "mailboxes.csv" } };
        using var accepted = await Api.PostAsync(url + "/import", form);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var result = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, result.GetProperty("imported").GetInt32());
        Assert.DoesNotContain("p,1", await accepted.Content.ReadAsStringAsync());
        Assert.Equal(2, (await Api.GetFromJsonAsync<JsonElement>(url)).GetArrayLength());
    }

    [Fact]
    public async Task ImportMailboxes_DryRun_ValidatesWithoutAdding()
    {
        var job = await CreateJobAsync($"dry-{Guid.NewGuid():N}.example.com");
        var url = $"/api/migration/jobs/{job.GetProperty("id")}/mailboxes";
        using var response = await Api.PostAsync(url + "/import?dryRun=true",
            new StringContent("source_user,source_password,dest_user,dest_password\na@o.com,p,a@n.com,p\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(result.GetProperty("committed").GetBoolean());
        Assert.Equal(1, result.GetProperty("rows").GetArrayLength());
        Assert.Equal(0, (await Api.GetFromJsonAsync<JsonElement>(url)).GetArrayLength());
    }
}
