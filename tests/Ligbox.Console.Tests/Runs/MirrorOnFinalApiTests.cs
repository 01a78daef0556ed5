using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Testing.Dovecot;
using MailKit;
using static Ligbox.Console.Tests.Runs.RunsTestSupport;

namespace Ligbox.Console.Tests.Runs;

/// <summary>The job options <c>mirrorOnFinal</c> and <c>maxMessageAgeDays</c> through the API, on a real Dovecot pair and the native engine.</summary>
public sealed class MirrorOnFinalApiTests(DovecotPairAppFactory app) : IClassFixture<DovecotPairAppFactory>
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AFinal_DeletesOnTheDestinationOnlyWhatLigboxCopiedAndTheSourceExpunged_WhenTheJobAsks(bool mirror)
    {
        var (user, sp, dp) = NewPair(app.Source, app.Destination);
        await SeedAsync(app.Source, user, "INBOX", 3, "copied");
        await SeedAsync(app.Destination, user, "INBOX", 1, "was-there-before");
        using var created = await app.Api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain = $"m{Guid.NewGuid():N}"[..12] + ".example.com",
            source = new { host = app.Source.Host, port = app.Source.Port, security = "None", auth = "Plain" },
            destination = new { host = app.Destination.Host, port = app.Destination.Port, security = "None", auth = "Plain" },
            options = new { mirrorOnFinal = mirror },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var job = await created.Content.ReadFromJsonAsync<JsonElement>();
        var jobId = job.GetProperty("id").GetGuid();
        Assert.Equal(mirror, job.GetProperty("options").GetProperty("mirrorOnFinal").GetBoolean());
        await AddMailboxAsync(app.Api, jobId, user, sp, user, dp);

        var initial = await WaitForRunAsync(app.Api, await StartAsync(app.Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" }));
        Assert.True(initial.GetProperty("status").GetString() == "Succeeded", initial.ToString());
        Assert.Equal(4, await app.Destination.CountMessagesAsync(user, "INBOX"));

        // The source deletes one of the copied messages.
        using (var client = await app.Source.ConnectAsync(user, sp))
        {
            await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
            var uids = await client.Inbox.SearchAsync(MailKit.Search.SearchQuery.SubjectContains("copied 1"));
            await client.Inbox.AddFlagsAsync(uids, MessageFlags.Deleted, true);
            await client.Inbox.ExpungeAsync();
        }

        var final = await WaitForRunAsync(app.Api, await StartAsync(app.Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "final" }));
        Assert.True(final.GetProperty("status").GetString() == "Succeeded", final.ToString());
        var subjects = await SubjectsAsync(user, dp);
        Assert.Contains("was-there-before 0", subjects);
        Assert.Contains("copied 0", subjects);
        Assert.Contains("copied 2", subjects);
        Assert.Equal(!mirror, subjects.Contains("copied 1"));
        Assert.Equal(mirror ? 3 : 4, subjects.Count);
    }

    [Fact]
    public async Task MaxMessageAgeDays_CopiesNoneOfTheMessagesDated2024()
    {
        var (user, sp, dp) = NewPair(app.Source, app.Destination);
        var date = new DateTimeOffset(2024, 3, 1, 9, 0, 0, TimeSpan.Zero);
        await app.Source.SeedMaildirAsync(user, "INBOX", Enumerable.Range(0, 67).Select(i =>
            new SeedRawMessage(TestMessages.ToBytes(TestMessages.Create($"old {i}")), date.AddHours(i), MessageFlags.Seen)));
        using var created = await app.Api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain = $"w{Guid.NewGuid():N}"[..12] + ".example.com",
            source = new { host = app.Source.Host, port = app.Source.Port, security = "None", auth = "Plain" },
            destination = new { host = app.Destination.Host, port = app.Destination.Port, security = "None", auth = "Plain" },
            options = new { maxMessageAgeDays = 30 },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var jobId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await AddMailboxAsync(app.Api, jobId, user, sp, user, dp);

        var initial = await WaitForRunAsync(app.Api, await StartAsync(app.Api, $"/api/migration/jobs/{jobId}/sync", new { kind = "initial" }));

        Assert.True(initial.GetProperty("status").GetString() == "Succeeded", initial.ToString());
        Assert.Equal(0, initial.GetProperty("mailboxes")[0].GetProperty("result").GetProperty("messagesTransferred").GetInt32());
        Assert.Equal(0, await app.Destination.CountMessagesAsync(user, "INBOX"));
    }

    private async Task<List<string>> SubjectsAsync(string user, string password)
    {
        using var client = await app.Destination.ConnectAsync(user, password);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var summaries = await client.Inbox.FetchAsync(0, -1, new FetchRequest(MessageSummaryItems.Envelope));
        return summaries.Select(s => s.Envelope?.Subject ?? "").ToList();
    }
}
