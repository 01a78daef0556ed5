using System.Security.Cryptography;
using Ligbox.Testing.Dovecot;
using Ligbox.Tools.NativeImap;
using MailKit;
using MailKit.Search;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>Three real Dovecot servers: a source, a destination with special-use folders, and one with a 1 MB quota.</summary>
public sealed class ImapServersFixture : IAsyncLifetime
{
    public DovecotServer Source { get; } = new();

    public DovecotServer Destination { get; } = new(new DovecotServerOptions { CreateSpecialUseFolders = true });

    public DovecotServer Quota { get; } = new(new DovecotServerOptions { CreateSpecialUseFolders = true, QuotaStorage = "1M" });

    public async Task InitializeAsync() =>
        await Task.WhenAll(Source.StartAsync(), Destination.StartAsync(), Quota.StartAsync());

    public Task DisposeAsync()
    {
        Source.Dispose();
        Destination.Dispose();
        Quota.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>A fresh user on <paramref name="server"/> and its endpoint.</summary>
    public ImapEndpoint NewAccount(DovecotServer server, string prefix = "user") => TestAccounts.New(server, prefix);
}

/// <summary>Fresh users on a test's Dovecot: a name unique in the test run and a random password.</summary>
internal static class TestAccounts
{
    private static int _users;

    /// <summary>A fresh user named <paramref name="prefix"/>N@example.com on <paramref name="server"/>, and its endpoint.</summary>
    public static ImapEndpoint New(DovecotServer server, string prefix)
    {
        var user = $"{prefix}{Interlocked.Increment(ref _users)}@example.com";
        var password = $"pw-{Guid.NewGuid():N}";
        server.AddUser(user, password);
        return new ImapEndpoint(server.Host, server.Port, ImapSecurity.None, user, password);
    }
}

[CollectionDefinition(Name)]
public sealed class ImapServersCollection : ICollectionFixture<ImapServersFixture>
{
    public const string Name = "imap servers";
}

/// <summary>Reads and changes mailboxes directly (as a user or "another tool" would), for arranging and asserting.</summary>
internal static class Mailbox
{
    public static async Task<IReadOnlyList<UniqueId>> SeedAsync(DovecotServer server, ImapEndpoint account, string folder, params SeedMessage[] messages) =>
        await server.AppendAsync(account.User, account.Secret, folder, messages);

    public static SeedMessage Message(string subject, MessageFlags flags = MessageFlags.None, string? messageId = null, int day = 1, string? body = null, params string[] keywords) =>
        new(TestMessages.Create(subject, messageId, body), flags, new DateTimeOffset(2021, 1, day, 8, 0, 0, TimeSpan.FromHours(-3)), keywords);

    /// <summary>Every message of a folder as (content hash, flags, keywords, INTERNALDATE), sorted: equal snapshots = same mail.</summary>
    public static async Task<List<string>> SnapshotAsync(DovecotServer server, ImapEndpoint account, string folder)
    {
        using var client = await server.ConnectAsync(account.User, account.Secret);
        var mailFolder = await client.GetFolderAsync(folder);
        await mailFolder.OpenAsync(FolderAccess.ReadOnly);
        var result = new List<string>();
        var summaries = await mailFolder.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate);
        foreach (var summary in summaries)
        {
            await using var stream = await mailFolder.GetStreamAsync(summary.UniqueId);
            var hash = Convert.ToHexString(await SHA256.HashDataAsync(stream))[..16];
            var flags = (summary.Flags ?? MessageFlags.None) & ~MessageFlags.Recent;
            result.Add($"{hash} {flags} [{string.Join(',', summary.Keywords.Order())}] {summary.InternalDate?.ToUnixTimeSeconds()}");
        }

        result.Sort(StringComparer.Ordinal);
        return result;
    }

    public static async Task<List<string>> FolderNamesAsync(DovecotServer server, ImapEndpoint account)
    {
        using var client = await server.ConnectAsync(account.User, account.Secret);
        var folders = await client.GetFoldersAsync(client.PersonalNamespaces[0]);
        return folders.Select(f => f.FullName).Order(StringComparer.Ordinal).ToList();
    }

    public static async Task ExpungeAsync(DovecotServer server, ImapEndpoint account, string folder, string subject)
    {
        using var client = await server.ConnectAsync(account.User, account.Secret);
        var mailFolder = await client.GetFolderAsync(folder);
        await mailFolder.OpenAsync(FolderAccess.ReadWrite);
        var uids = await mailFolder.SearchAsync(SearchQuery.SubjectContains(subject));
        Assert.NotEmpty(uids);
        await mailFolder.AddFlagsAsync(uids, MessageFlags.Deleted, true);
        await mailFolder.ExpungeAsync(uids);
    }

    public static async Task AddFlagsAsync(DovecotServer server, ImapEndpoint account, string folder, string subject, MessageFlags flags, params string[] keywords)
    {
        using var client = await server.ConnectAsync(account.User, account.Secret);
        var mailFolder = await client.GetFolderAsync(folder);
        await mailFolder.OpenAsync(FolderAccess.ReadWrite);
        var uids = await mailFolder.SearchAsync(SearchQuery.SubjectContains(subject));
        Assert.NotEmpty(uids);
        await mailFolder.StoreAsync(uids, new StoreFlagsRequest(StoreAction.Add, flags, keywords) { Silent = true });
    }

    public static async Task DeleteFolderAsync(DovecotServer server, ImapEndpoint account, string folder)
    {
        using var client = await server.ConnectAsync(account.User, account.Secret);
        var mailFolder = await client.GetFolderAsync(folder);
        await mailFolder.DeleteAsync();
    }

    public static async Task<int> CountAsync(DovecotServer server, ImapEndpoint account, string folder) =>
        await server.CountMessagesAsync(account.User, folder);
}
