using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;

namespace Ligbox.Console.Tests.Runs;

/// <summary>
/// Issue 11: one wrong password among four no longer blocks the job. Delta and final go on for the other three;
/// the password is fixed through the API; the failed one is retried; then delta and final complete for all four
/// (real Dovecot on both sides) and the gate is ready.
/// </summary>
public class MailboxFixApiTests(MailboxFixApiTests.Fixture fixture) : IClassFixture<MailboxFixApiTests.Fixture>
{
    public sealed class Fixture : DovecotPairAppFactory;

    private HttpClient Api => fixture.Api;

    [Fact]
    public async Task WrongPassword_FixedThroughTheApi_ThenDeltaAndFinalCompleteForAll()
    {
        var pairs = Enumerable.Range(0, 4).Select(_ => NewPair(fixture.Source, fixture.Destination)).ToList();
        foreach (var (user, _, _) in pairs)
        {
            await SeedAsync(fixture.Source, user, "INBOX", 6);
        }

        var jobId = await CreateJobAsync(Api, fixture.Source, fixture.Destination);
        var ids = new List<Guid>();
        for (var i = 0; i < pairs.Count; i++)
        {
            var (user, sp, dp) = pairs[i];
            ids.Add(await AddMailboxAsync(Api, jobId, user, i == 3 ? "a-wrong-password" : sp, user, dp));
        }

        var initial = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" }));
        Assert.Equal("Failed", initial.GetProperty("status").GetString());

        // The three good mailboxes go on: delta and final cover them, not the one with the wrong password.
        var delta = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "delta" }));
        Assert.True(delta.GetProperty("status").GetString() == "Succeeded", delta.ToString());
        Assert.Equal(3, delta.GetProperty("mailboxes").GetArrayLength());
        var gate = await Api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}/gate");
        Assert.Equal("Blocked", gate.GetProperty("state").GetString());

        // Fix the password: write-only, audited in words, never returned.
        var (badUser, rightPassword, _) = pairs[3];
        using (var patch = await Api.PatchAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes/{ids[3]}", new { sourcePassword = rightPassword }))
        {
            var text = await patch.Content.ReadAsStringAsync();
            Assert.True(patch.StatusCode == HttpStatusCode.OK, text);
            Assert.DoesNotContain(rightPassword, text, StringComparison.Ordinal);
            Assert.Equal("Pending", JsonDocument.Parse(text).RootElement.GetProperty("status").GetString());
        }

        var audit = fixture.Services.GetRequiredService<Ligbox.Core.Audit.AuditLog>();
        var entry = (await audit.ListAsync(jobId)).First(e => e.Action == "mailbox.updated");
        Assert.Contains("source password changed", entry.Details);
        Assert.Contains(badUser, entry.Details);
        Assert.DoesNotContain(rightPassword, entry.Details!, StringComparison.Ordinal);

        var retry = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial", failedOnly = true }));
        Assert.True(retry.GetProperty("status").GetString() == "Succeeded", retry.ToString());
        Assert.Equal(badUser, Assert.Single(retry.GetProperty("mailboxes").EnumerateArray()).GetProperty("sourceLogin").GetString());

        await SeedAsync(fixture.Source, pairs[0].User, "INBOX", 2, "late");
        var deltaAll = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "delta" }));
        Assert.True(deltaAll.GetProperty("status").GetString() == "Succeeded", deltaAll.ToString());
        Assert.Equal(4, deltaAll.GetProperty("mailboxes").GetArrayLength());
        var final = await WaitForRunAsync(Api, await StartAsync(Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "final" }));
        Assert.True(final.GetProperty("status").GetString() == "Succeeded", final.ToString());
        Assert.Equal(4, final.GetProperty("mailboxes").GetArrayLength());

        foreach (var (user, _, _) in pairs)
        {
            Assert.Equal(user == pairs[0].User ? 8 : 6, await fixture.Destination.CountMessagesAsync(user, "INBOX"));
        }

        gate = await Api.GetFromJsonAsync<JsonElement>($"/api/migration/jobs/{jobId}/gate");
        Assert.True(gate.GetProperty("state").GetString() == "Ready", gate.ToString());
        Assert.Equal("GateReady", await JobPhaseAsync(Api, jobId));
    }

    [Fact]
    public async Task TestConnection_TriesTheGivenPasswordBeforeSaving_InPlainWords()
    {
        var (user, sp, dp) = NewPair(fixture.Source, fixture.Destination);
        var jobId = await CreateJobAsync(Api, fixture.Source, fixture.Destination);
        var mailboxId = await AddMailboxAsync(Api, jobId, user, "a-wrong-password", user, dp);

        using var stored = await Api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/test-connection", new { mailboxId });
        var bad = await stored.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(stored.StatusCode == HttpStatusCode.OK, bad.ToString());
        Assert.False(bad.GetProperty("succeeded").GetBoolean());
        Assert.Contains($"authentication failed for {user} on the source", bad.GetProperty("source").GetString());
        Assert.StartsWith("Logged in to", bad.GetProperty("destination").GetString());

        using var given = await Api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/test-connection", new { mailboxId, sourcePassword = sp });
        var text = await given.Content.ReadAsStringAsync();
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("succeeded").GetBoolean(), text);
        Assert.DoesNotContain(sp, text, StringComparison.Ordinal);

        // Nothing was saved: the stored password is still the wrong one.
        using var again = await Api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/test-connection", new { mailboxId });
        Assert.False((await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("succeeded").GetBoolean());
    }
}
