using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using static Ligbox.Console.Tests.Scheduling.ScheduleTestSupport;

namespace Ligbox.Console.Tests.Scheduling;

/// <summary>The schedule's trigger lives in Quartz's store in the console database: a restarted console keeps its next fire time.</summary>
public sealed class ScheduleRestartTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "ligbox-tests", "sched-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned with the temp directory eventually.
        }
    }

    [Fact]
    public async Task NextFireTime_SurvivesAHostRestart_OnTheSameDataDirectory()
    {
        Guid hoursJob, cronJob;
        DateTime hoursNext, cronNext;
        string token;
        var first = LigboxAppFactory.OnSharedDataDir(_dataDir);
        await first.InitializeAsync();
        try
        {
            token = await first.CreateTokenAsync(Scopes.JobsRead, Scopes.JobsWrite);
            using var api = first.CreateBearerClient(token);
            hoursJob = await CreateAsync(api, "hours-restart.example.com");
            cronJob = await CreateAsync(api, "cron-restart.example.com");
            hoursNext = (await PutScheduleAsync(api, hoursJob, new { enabled = true, everyHours = 6 })).GetProperty("nextFireTimeUtc").GetDateTime();
            cronNext = (await PutScheduleAsync(api, cronJob, new { enabled = true, cron = "0 15 3 * * ?" })).GetProperty("nextFireTimeUtc").GetDateTime();
            Assert.InRange(hoursNext, DateTime.UtcNow.AddHours(6).AddMinutes(-1), DateTime.UtcNow.AddHours(6));
            Assert.Equal(new TimeOnly(3, 15), TimeOnly.FromDateTime(cronNext));
        }
        finally
        {
            await ((IAsyncLifetime)first).DisposeAsync();
        }

        // Some time passes while the console is down: an interval recomputed at start would move.
        await Task.Delay(1500);
        var second = LigboxAppFactory.OnSharedDataDir(_dataDir);
        await second.InitializeAsync();
        try
        {
            using var api = second.CreateBearerClient(token);
            var hours = await GetScheduleAsync(api, hoursJob);
            var cron = await GetScheduleAsync(api, cronJob);

            Assert.True(hours.GetProperty("enabled").GetBoolean());
            Assert.Equal(hoursNext, hours.GetProperty("nextFireTimeUtc").GetDateTime());
            Assert.Equal(cronNext, cron.GetProperty("nextFireTimeUtc").GetDateTime());
            Assert.Equal("0 15 3 * * ?", cron.GetProperty("cron").GetString());
            var stored = await StoredTriggerAsync(second.Services, hoursJob);
            Assert.NotNull(stored);
            Assert.Equal(hoursNext, stored.NextFireTimeUtc?.UtcDateTime);
        }
        finally
        {
            await ((IAsyncLifetime)second).DisposeAsync();
        }
    }

    private static async Task<Guid> CreateAsync(HttpClient api, string domain)
    {
        using var response = await api.PostAsJsonAsync("/api/migration/jobs", Api.ApiPermissionMatrixTests.NewJob(domain));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }
}
