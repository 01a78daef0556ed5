using Ligbox.Core.Pst;

namespace Ligbox.Core.Tests.Pst;

/// <summary>Over-quota destination: messages are quarantined with the server's reason, the run completes, a retry appends them.</summary>
public sealed class PstQuotaTests(TinyQuotaDovecot quota, PlainDovecot plain) : IClassFixture<TinyQuotaDovecot>, IClassFixture<PlainDovecot>
{
    [Fact]
    public async Task Over_quota_messages_are_quarantined_and_retried_into_another_mailbox()
    {
        using var work = new PstTestSupport.Work();
        var user = PstTestSupport.NewUser(quota.Server);
        var mbox = Path.Combine(work.Root, "Inbox.mbox");
        PstTestSupport.WriteMbox(mbox, 12, bodyBytes: 10_000);
        var importer = PstTestSupport.CreateImporter();

        var stats = await importer.ImportAsync(work.Request(mbox, PstTestSupport.Endpoint(quota.Server, user)));

        var folder = Assert.Single(stats.Folders);
        Assert.Equal("INBOX", folder.Destination);
        Assert.True(folder.Quarantined > 0, "some messages must exceed the 60 KB quota");
        Assert.Equal(12, folder.Appended + folder.Quarantined);
        Assert.Equal(folder.Appended, await quota.Server.CountMessagesAsync(user, "INBOX"));
        var quarantineDir = Path.Combine(work.Root, "quarantine");
        var entries = QuarantineWriter.Read(quarantineDir);
        Assert.Equal(folder.Quarantined, entries.Count);
        Assert.All(entries, e => Assert.Contains("quota", e.Reason, StringComparison.OrdinalIgnoreCase));
        Assert.All(entries, e => Assert.True(File.Exists(QuarantineWriter.EmlPath(quarantineDir, e.Number))));
        Assert.StartsWith("mbox message", entries[0].Subject);

        var other = PstTestSupport.NewUser(plain.Server);
        var retry = await importer.RetryQuarantineAsync(PstTestSupport.Endpoint(plain.Server, other), quarantineDir, "Imported PST");

        Assert.Equal(entries.Count, retry.Appended);
        Assert.Equal(entries.Count, await plain.Server.CountMessagesAsync(other, "INBOX"));
        Assert.Empty(QuarantineWriter.Read(quarantineDir));
    }
}
