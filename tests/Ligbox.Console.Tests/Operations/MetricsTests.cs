using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Console.Tests.Runs;
using Xunit.Abstractions;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;

namespace Ligbox.Console.Tests.Operations;

/// <summary>
/// <c>/metrics</c> scraped after a real run (native engine, real Dovecot source and destination): the run's count,
/// messages, bytes and duration are in it, with the gauges. Alone in its collection: the exporter sees every
/// "Ligbox" meter in the process, so no other host may run a run meanwhile.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed partial class MetricsTests(MetricsTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<MetricsTests.Fixture>
{
    public const string Token = "metrics-test-token-7c1f";

    public sealed class Fixture : DovecotPairAppFactory
    {
        protected override IDictionary<string, string?> Settings
        {
            get
            {
                var settings = base.Settings;
                settings["Ligbox:Metrics:Token"] = Token;
                return settings;
            }
        }
    }

    private async Task<string> ScrapeAsync()
    {
        using var client = fixture.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return text;
    }

    /// <summary>The sum of the series of <paramref name="name"/> whose labels include all of <paramref name="labels"/> (<c>kind="initial"</c>).</summary>
    private static double Value(string scrape, string name, params string[] labels)
    {
        var total = 0.0;
        foreach (Match m in Series().Matches(scrape))
        {
            if (m.Groups["name"].Value == name && labels.All(l => m.Groups["labels"].Value.Split(',').Contains(l)))
            {
                total += double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        return total;
    }

    [GeneratedRegex("""^(?<name>[a-z_]+)(\{(?<labels>[^}]*)\})? (?<value>[-+0-9.eE]+|NaN)""", RegexOptions.Multiline)]
    private static partial Regex Series();

    [Fact]
    public async Task AScrapeAfterARealRun_ShowsItsCountMessagesBytesAndDuration()
    {
        var before = await ScrapeAsync();
        var (user, sp, dp) = NewPair(fixture.Source, fixture.Destination);
        await SeedAsync(fixture.Source, user, "INBOX", 15);
        await SeedAsync(fixture.Source, user, "Work", 6, "work");
        var jobId = await CreateJobAsync(fixture.Api, fixture.Source, fixture.Destination);
        await AddMailboxAsync(fixture.Api, jobId, user, sp, user, dp);

        var run = await WaitForRunAsync(fixture.Api, await StartAsync(fixture.Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" }));
        Assert.True(run.GetProperty("status").GetString() == "Succeeded", run.ToString());
        var result = run.GetProperty("mailboxes")[0].GetProperty("result");
        var bytes = result.GetProperty("bytesTransferred").GetInt64();
        Assert.True(bytes > 0, result.ToString());
        // The pipeline counts a run right after it stores its end, which the API may show first, and the gauges are read
        // from the database at most every 5 s (the first scrape may have cached "no gate yet"): scrape until both are in.
        var after = await ScrapeAsync();
        for (var i = 0; i < 75 && (Value(after, "ligbox_runs_ended_total", "kind=\"initial\"") == Value(before, "ligbox_runs_ended_total", "kind=\"initial\"")
                                   || Value(after, "ligbox_gates") < 1); i++)
        {
            await Task.Delay(200);
            after = await ScrapeAsync();
        }

        output.WriteLine(after);

        double Delta(string name, params string[] labels) => Value(after, name, labels) - Value(before, name, labels);
        Assert.Equal(1, Delta("ligbox_runs_ended_total", "kind=\"initial\"", "status=\"succeeded\""));
        Assert.Equal(21, Delta("ligbox_messages_copied_total", "kind=\"initial\""));
        Assert.Equal(bytes, Delta("ligbox_copied_bytes_total", "kind=\"initial\""));
        Assert.Equal(1, Delta("ligbox_run_duration_seconds_count", "kind=\"initial\"", "status=\"succeeded\""));
        Assert.True(Delta("ligbox_run_duration_seconds_sum", "kind=\"initial\"", "status=\"succeeded\"") > 0);
        // The gauges: nothing is active any more; this job's gate was evaluated after the run.
        Assert.Equal(0, Value(after, "ligbox_runs_queue_length"));
        Assert.Contains("ligbox_runs_active{", after, StringComparison.Ordinal);
        Assert.True(Value(after, "ligbox_gates") >= 1, after);
        Assert.DoesNotContain(user, after, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token")]
    public async Task IsRefused_WithoutTheToken_FromAnotherHost(string? token)
    {
        using var client = fixture.CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("Ligbox:Metrics:Token", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("ligbox_", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

/// <summary>A scraper on the console's own host reads without a token, unless the request came through a proxy.</summary>
[Collection(MetricsCollection.Name)]
public sealed class LocalMetricsTests(LocalMetricsTests.Fixture fixture) : IClassFixture<LocalMetricsTests.Fixture>
{
    public sealed class Fixture : LigboxKestrelAppFactory;

    [Fact]
    public async Task ALoopbackScraper_ReadsWithoutAToken()
    {
        using var client = new HttpClient { BaseAddress = fixture.ServerAddress };

        using var response = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("ligbox_runs_queue_length", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARequestForwardedByAProxyOnThisHost_IsNotLocal()
    {
        using var client = new HttpClient { BaseAddress = fixture.ServerAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics";
}
