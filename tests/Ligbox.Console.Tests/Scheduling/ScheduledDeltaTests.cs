using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Runs;
using Ligbox.Core.Audit;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;
using static Ligbox.Console.Tests.Scheduling.ScheduleTestSupport;

namespace Ligbox.Console.Tests.Scheduling;

/// <summary>Scheduled delta syncs fired by the real Quartz scheduler of the real app, against two real Dovecot servers.</summary>
public class ScheduledDeltaTests(ScheduledDeltaTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<ScheduledDeltaTests.Fixture>
{
    private const string EveryTwoSeconds = "0/2 * * * * ?";

    public sealed class Fixture : DovecotPairAppFactory
    {
        // The engine's own throttle, so the long manual delta of the skip test is still running when the schedule
        // fires, on a fast machine or a slow one (unthrottled, CI once saw it end before the first firing).
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Tools:NativeImap:MaxMessagesPerSecond"] = "300",
        };
    }

    private HttpClient Api => fixture.Api;

    private async Task<(Guid JobId, string User, string DestPassword)> JobWithInitialAsync(int messages)
    {
        var (user, sp, dp) = NewPair(fixture.Source, fixture.Destination);
        await SeedAsync(fixture.Source, user, "INBOX", messages, "first");
        var jobId = await CreateJobAsync(Api, fixture.Source, fixture.Destination);
        await AddMailboxAsync(Api, jobId, user, sp, user, dp);
        var initial = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" }));
        Assert.True(initial.GetProperty("status").GetString() == "Succeeded", initial.ToString());
        return (jobId, user, dp);
    }

    private async Task WaitUntilIdleAsync(Guid jobId)
    {
        foreach (var run in (await RunsAsync(Api, jobId)).Where(r => r.GetProperty("status").GetString() is "Queued" or "Running"))
        {
            await WaitForRunAsync(Api, run.GetProperty("id").GetGuid(), TimeSpan.FromSeconds(120));
        }
    }

    [Fact]
    public async Task CronSchedule_FiresADeltaRun_ThatCopiesNewMessages_AndTurningItOffRemovesTheTrigger()
    {
        var (jobId, user, _) = await JobWithInitialAsync(10);
        await SeedAsync(fixture.Source, user, "INBOX", 5, "new");

        var put = await PutScheduleAsync(Api, jobId, new { enabled = true, cron = EveryTwoSeconds });
        Assert.True(put.GetProperty("enabled").GetBoolean());
        Assert.Equal(EveryTwoSeconds, put.GetProperty("cron").GetString());
        var next = put.GetProperty("nextFireTimeUtc").GetDateTime();
        Assert.InRange(next, DateTime.UtcNow.AddSeconds(-1), DateTime.UtcNow.AddSeconds(3));
        Assert.NotNull(await StoredTriggerAsync(fixture.Services, jobId));

        var pass = await WaitForPassAsync(Api, jobId, p => p.GetProperty("outcome").GetString() == "Started");
        var runId = pass.GetProperty("runId").GetGuid();
        var run = await WaitForRunAsync(Api, runId);
        output.WriteLine($"scheduled run: {run}");
        Assert.Equal("Delta", run.GetProperty("kind").GetString());
        Assert.Equal("Scheduled", run.GetProperty("trigger").GetString());
        Assert.Equal("scheduler", run.GetProperty("requestedBy").GetString());
        Assert.True(run.GetProperty("status").GetString() == "Succeeded", run.ToString());
        Assert.Equal(15, await fixture.Destination.CountMessagesAsync(user, "INBOX"));

        var audit = await fixture.Services.GetRequiredService<AuditLog>().ListAsync(jobId);
        Assert.Contains(audit, a => a.Action == "schedule.started" && a.Actor == "scheduler" && a.Details!.Contains(runId.ToString(), StringComparison.Ordinal));
        Assert.Contains(audit, a => a.Action == "schedule.updated");

        var off = await PutScheduleAsync(Api, jobId, new { enabled = false });
        Assert.False(off.GetProperty("enabled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, off.GetProperty("nextFireTimeUtc").ValueKind);
        Assert.Null(await StoredTriggerAsync(fixture.Services, jobId));
        // A pass that was already firing when the schedule was turned off still starts its run (Quartz does not
        // interrupt an executing job): let one cron period go by before counting.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await WaitUntilIdleAsync(jobId);
        var runsWhenOff = (await RunsAsync(Api, jobId)).Count;
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal(runsWhenOff, (await RunsAsync(Api, jobId)).Count);
        // Nothing was copied twice by the repeated scheduled passes.
        Assert.Equal(15, await fixture.Destination.CountMessagesAsync(user, "INBOX"));
    }

    [Fact]
    public async Task ScheduledPass_IsSkipped_WithARecord_WhileARunIsActiveOnTheMailboxes()
    {
        var (jobId, user, _) = await JobWithInitialAsync(5);
        await SeedAsync(fixture.Source, user, "INBOX", 3000, "bulk"); // about 10 s at 300 messages/s
        var manual = await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "delta" });

        await PutScheduleAsync(Api, jobId, new { enabled = true, cron = EveryTwoSeconds });
        var pass = await WaitForPassAsync(Api, jobId, p => p.GetProperty("outcome").GetString() == "Skipped");
        var manualWhenSkipped = await Api.GetFromJsonAsync<JsonElement>($"/api/migration/runs/{manual}");
        await PutScheduleAsync(Api, jobId, new { enabled = false });
        output.WriteLine($"skip: {pass}; manual run then: {manualWhenSkipped.GetProperty("status")}");

        Assert.Contains("still active", pass.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains(manual.ToString(), pass.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, pass.GetProperty("runId").ValueKind);
        var audit = await fixture.Services.GetRequiredService<AuditLog>().ListAsync(jobId);
        Assert.Contains(audit, a => a.Action == "schedule.skipped" && a.Actor == "scheduler" && a.Details!.Contains("still active", StringComparison.Ordinal));
        await WaitUntilIdleAsync(jobId);
        Assert.Equal(3005, await fixture.Destination.CountMessagesAsync(user, "INBOX"));
    }

    [Fact]
    public async Task ScheduledPass_IsSkipped_UntilAnInitialSyncHasSucceeded()
    {
        var (user, sp, dp) = NewPair(fixture.Source, fixture.Destination);
        await SeedAsync(fixture.Source, user, "INBOX", 3);
        var jobId = await CreateJobAsync(Api, fixture.Source, fixture.Destination);
        await AddMailboxAsync(Api, jobId, user, sp, user, dp);

        await PutScheduleAsync(Api, jobId, new { enabled = true, cron = EveryTwoSeconds });
        var pass = await WaitForPassAsync(Api, jobId, p => p.GetProperty("outcome").GetString() == "Skipped");
        await PutScheduleAsync(Api, jobId, new { enabled = false });

        Assert.Contains("No initial sync has succeeded yet", pass.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(await RunsAsync(Api, jobId));
        Assert.Equal(0, await fixture.Destination.CountMessagesAsync(user, "INBOX"));
    }

    [Fact]
    public async Task ScheduledPass_IsSkipped_WhileTheGateIsApproved_SoTheApprovalHolds()
    {
        var (jobId, user, _) = await JobWithInitialAsync(4);
        var final = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "final" }));
        Assert.True(final.GetProperty("status").GetString() == "Succeeded", final.ToString());
        using var opsLead = await fixture.CreateTokenClientAsync(Ligbox.Core.Accounts.Scopes.GateApprove, Ligbox.Core.Accounts.Scopes.GateRead);
        using (var approve = await opsLead.PostAsJsonAsync($"/api/migration/jobs/{jobId}/approve-gate", new { comment = "DNS may switch" }))
        {
            Assert.True(approve.IsSuccessStatusCode, await approve.Content.ReadAsStringAsync());
        }

        await SeedAsync(fixture.Source, user, "INBOX", 2, "after-approval");
        await PutScheduleAsync(Api, jobId, new { enabled = true, cron = EveryTwoSeconds });
        var pass = await WaitForPassAsync(Api, jobId, p => p.GetProperty("outcome").GetString() == "Skipped");
        await PutScheduleAsync(Api, jobId, new { enabled = false });
        await WaitUntilIdleAsync(jobId);

        Assert.Contains("The gate is approved", pass.GetProperty("message").GetString(), StringComparison.Ordinal);
        var gate = await opsLead.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}/gate");
        Assert.Equal("Approved", gate.GetProperty("state").GetString());
        Assert.DoesNotContain(await RunsAsync(Api, jobId), r => r.GetProperty("kind").GetString() == "Delta");
        Assert.Equal(4, await fixture.Destination.CountMessagesAsync(user, "INBOX"));
    }

    [Fact]
    public async Task CancellingTheJob_RemovesTheTrigger_AndTheScheduleCannotBeTurnedOnAgain()
    {
        var jobId = await CreateJobAsync(Api, fixture.Source, fixture.Destination);
        var on = await PutScheduleAsync(Api, jobId, new { enabled = true, everyHours = 12 });
        Assert.Equal(12, on.GetProperty("everyHours").GetInt32());
        Assert.NotNull(await StoredTriggerAsync(fixture.Services, jobId));

        using (var cancel = await Api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/cancel", new { reason = "customer left" }))
        {
            cancel.EnsureSuccessStatusCode();
        }

        Assert.Null(await StoredTriggerAsync(fixture.Services, jobId));
        var after = await GetScheduleAsync(Api, jobId);
        Assert.False(after.GetProperty("enabled").GetBoolean());
        Assert.True(after.GetProperty("jobClosed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("nextFireTimeUtc").ValueKind);
        using var again = await Api.PutAsJsonAsync($"/api/migration/jobs/{jobId}/schedule", new { enabled = true, everyHours = 6 });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        Assert.Null(await StoredTriggerAsync(fixture.Services, jobId));
    }

    [Theory]
    [InlineData("{\"enabled\":true,\"cron\":\"every six hours\"}", "cron", "is not a valid cron expression")]
    [InlineData("{\"enabled\":true,\"cron\":\"0 */6 * * *\"}", "cron", "is not a valid cron expression")]
    [InlineData("{\"enabled\":true,\"cron\":\"0 0 0 1 1 ? 2020\"}", "cron", "never fires again")]
    [InlineData("{\"enabled\":true,\"everyHours\":0}", "everyHours", "between 1 and 168 hours")]
    [InlineData("{\"enabled\":true,\"everyHours\":169}", "everyHours", "between 1 and 168 hours")]
    [InlineData("{\"enabled\":true,\"everyHours\":6,\"cron\":\"0 0 */6 * * ?\"}", "cron", "not both")]
    public async Task Put_RejectsABadSetting_With400ProblemDetails_AndChangesNothing(string body, string field, string fragment)
    {
        var jobId = await CreateJobAsync(Api, fixture.Source, fixture.Destination);
        using var response = await Api.PutAsync($"/api/migration/jobs/{jobId}/schedule", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(fragment, problem.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
        var schedule = await GetScheduleAsync(Api, jobId);
        Assert.False(schedule.GetProperty("enabled").GetBoolean());
        Assert.Equal(6, schedule.GetProperty("everyHours").GetInt32());
        Assert.Null(await StoredTriggerAsync(fixture.Services, jobId));
    }

    [Fact]
    public async Task UnknownJob_Is404ProblemDetails()
    {
        var id = Guid.NewGuid();
        using var get = await Api.GetAsync($"/api/migration/jobs/{id}/schedule");
        using var put = await Api.PutAsJsonAsync($"/api/migration/jobs/{id}/schedule", new { enabled = true, everyHours = 6 });

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, put.StatusCode);
        Assert.Equal("application/problem+json", put.Content.Headers.ContentType?.MediaType);
    }
}
