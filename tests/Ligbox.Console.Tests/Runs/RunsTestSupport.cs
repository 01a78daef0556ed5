using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Dovecot;
using MailKit;

namespace Ligbox.Console.Tests.Runs;

/// <summary>The real app with a source and a destination Dovecot and an API client with jobs:read and jobs:write.</summary>
public class DovecotPairAppFactory : LigboxAppFactory
{
    public DovecotServer Source { get; } = new();
    public DovecotServer Destination { get; } = new();
    public HttpClient Api { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await Task.WhenAll(Source.StartAsync(), Destination.StartAsync());
        await base.InitializeAsync();
        Api = await CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Source.Dispose();
        Destination.Dispose();
    }
}

/// <summary>API helpers for run tests: jobs on real Dovecot servers, mailboxes, starting and waiting for runs.</summary>
internal static class RunsTestSupport
{
    public static async Task<Guid> CreateJobAsync(HttpClient api, DovecotServer source, DovecotServer destination, string? domain = null)
    {
        using var response = await api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain = domain ?? $"d{Guid.NewGuid():N}"[..12] + ".example.com",
            source = new { host = source.Host, port = source.Port, security = "None", auth = "Plain" },
            destination = new { host = destination.Host, port = destination.Port, security = "None", auth = "Plain" },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    public static async Task<Guid> AddMailboxAsync(HttpClient api, Guid jobId, string sourceUser, string sourcePassword, string destUser, string destPassword)
    {
        using var response = await api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes", new
        {
            sourceUser,
            sourcePassword,
            destUser,
            destPassword,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>A user on each server with random passwords.</summary>
    public static (string User, string SourcePassword, string DestPassword) NewPair(DovecotServer source, DovecotServer destination)
    {
        var user = $"u{Guid.NewGuid():N}"[..10] + "@example.com";
        var (sp, dp) = ($"src-{Guid.NewGuid():N}", $"dst-{Guid.NewGuid():N}");
        source.AddUser(user, sp);
        destination.AddUser(user, dp);
        return (user, sp, dp);
    }

    public static async Task SeedAsync(DovecotServer server, string user, string folder, int count, string prefix = "msg")
    {
        var date = new DateTimeOffset(2023, 5, 1, 9, 0, 0, TimeSpan.Zero);
        await server.SeedMaildirAsync(user, folder, Enumerable.Range(0, count).Select(i =>
            new SeedRawMessage(TestMessages.ToBytes(TestMessages.Create($"{prefix} {i}")), date.AddMinutes(i), MessageFlags.Seen)));
    }

    /// <summary>Starts a run and returns its id (checks 202 and the Location header).</summary>
    public static async Task<Guid> StartAsync(HttpClient api, string path, object? body = null)
    {
        using var response = body is null ? await api.PostAsync(path, null) : await api.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {text}");
        var id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
        Assert.Equal($"/api/migration/runs/{id}", response.Headers.Location?.ToString());
        return id;
    }

    /// <summary>Polls <c>GET /runs/{id}</c> until the run is no longer queued or running.</summary>
    public static async Task<JsonElement> WaitForRunAsync(HttpClient api, Guid runId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var run = await api.GetFromJsonAsync<JsonElement>($"/api/migration/runs/{runId}");
            var status = run.GetProperty("status").GetString();
            if (status is not ("Queued" or "Running" or "Resuming"))
            {
                return run;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Run {runId} is still {status}: {run}");
            }

            await Task.Delay(150);
        }
    }

    public static async Task<string> JobPhaseAsync(HttpClient api, Guid jobId) =>
        (await api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}")).GetProperty("phase").GetString()!;
}
