using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;

namespace Ligbox.Console.Tests.Api;

/// <summary>A server's pinned certificate through the jobs API: taken, answered in display form, refused as problem+json when malformed.</summary>
public class JobCertificatePinApiTests(JobCertificatePinApiTests.Fixture fixture) : IClassFixture<JobCertificatePinApiTests.Fixture>
{
    private const string Hex = "3A5F00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDD";

    public sealed class Fixture : LigboxAppFactory
    {
        public HttpClient Api { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Api = await CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        }
    }

    [Fact]
    public async Task CreateJob_TakesThePin_AndAnswersItColonSeparated()
    {
        using var response = await fixture.Api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain = "pin-api.example",
            source = new { host = "imap.old.example.com", port = 993, security = "Ssl", certificateSha256 = Hex.ToLowerInvariant() },
            destination = new { host = "mail.ligbox.example", port = 143, security = "StartTls" },
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var job = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(string.Join(':', Enumerable.Range(0, 32).Select(i => Hex.Substring(i * 2, 2))), job.GetProperty("source").GetProperty("certificateSha256").GetString());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("destination").GetProperty("certificateSha256").ValueKind);
    }

    [Fact]
    public async Task CreateJob_RefusesAMalformedPinAsProblemDetails()
    {
        using var response = await fixture.Api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain = "pin-api-bad.example",
            source = new { host = "imap.old.example.com", port = 993, security = "Ssl", certificateSha256 = "not-a-fingerprint" },
            destination = new { host = "mail.ligbox.example", port = 143, security = "StartTls" },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Contains("64 hex digits", errors.GetProperty("source.certificateSha256")[0].GetString());
    }
}
