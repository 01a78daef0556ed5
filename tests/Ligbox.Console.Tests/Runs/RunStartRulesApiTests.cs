using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;

namespace Ligbox.Console.Tests.Runs;

/// <summary>The start-rules table against the API: 202 covering exactly the expected mailboxes, or 409 with the reason.</summary>
public class RunStartRulesApiTests(RunStartRulesApiTests.Fixture fixture) : IClassFixture<RunStartRulesApiTests.Fixture>
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

    public static TheoryData<string, int> Rows => RunStartRulesCases.Rows();

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task TheApiFollowsTheTable(string scenario, int row)
    {
        var expected = RunStartRulesCases.Table[scenario][row];
        var (jobId, domain) = await RunStartRulesCases.SeedAsync(fixture.Services, scenario);

        using var response = expected.Kind == "preflight"
            ? await fixture.Api.PostAsync($"/api/migration/jobs/{jobId}/preflight", null)
            : await fixture.Api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/sync", new { kind = expected.Kind, failedOnly = expected.FailedOnly });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        if (expected.Refusal is { } refusal)
        {
            Assert.True(response.StatusCode == HttpStatusCode.Conflict, $"{scenario}/{expected.Kind}: {(int)response.StatusCode} {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(refusal, body.GetProperty("detail").GetString());
        }
        else
        {
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{scenario}/{expected.Kind}: {(int)response.StatusCode} {body}");
            var covered = body.GetProperty("mailboxes").EnumerateArray().Select(m => m.GetProperty("sourceLogin").GetString()).Order().ToArray();
            Assert.Equal(expected.Covers!.Select(l => $"{l}@{domain}").Order().ToArray(), covered);
        }
    }
}
