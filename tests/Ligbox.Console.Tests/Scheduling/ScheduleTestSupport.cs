using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Core.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Ligbox.Console.Tests.Scheduling;

internal static class ScheduleTestSupport
{
    public static async Task<JsonElement> PutScheduleAsync(HttpClient api, Guid jobId, object body)
    {
        using var response = await api.PutAsJsonAsync($"/api/migration/jobs/{jobId}/schedule", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"PUT schedule: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static Task<JsonElement> GetScheduleAsync(HttpClient api, Guid jobId) =>
        api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}/schedule");

    /// <summary>Polls the schedule until its last pass satisfies the condition.</summary>
    public static async Task<JsonElement> WaitForPassAsync(HttpClient api, Guid jobId, Func<JsonElement, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var schedule = await GetScheduleAsync(api, jobId);
            if (schedule.GetProperty("lastPass") is { ValueKind: JsonValueKind.Object } last && condition(last))
            {
                return last;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No matching scheduled pass for job {jobId}: {schedule}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The trigger as it is in Quartz's persistent store (null when there is none).</summary>
    public static async Task<ITrigger?> StoredTriggerAsync(IServiceProvider services, Guid jobId)
    {
        var scheduler = await services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        return await scheduler.GetTrigger(DeltaScheduleTriggers.TriggerKeyFor(jobId));
    }

    public static async Task<IReadOnlyList<JsonElement>> RunsAsync(HttpClient api, Guid jobId) =>
        (await api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}/runs")).EnumerateArray().ToList();
}
