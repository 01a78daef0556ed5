using System.Net;
using System.Net.Sockets;
using Ligbox.Tools.NativeImap;
using MailKit;

namespace Ligbox.Tools.Tests.NativeImap;

[Collection(ImapServersCollection.Name)]
public sealed class NativeImapPreflightTests(ImapServersFixture servers)
{
    private static SeedMessageBatch HundredKb(int count) =>
        new(Enumerable.Range(1, count).Select(i => new Testing.Dovecot.SeedMessage(
            Testing.Dovecot.TestMessages.Create($"big {i}", bodyBytes: 100_000), MessageFlags.Seen, DateTimeOffset.UtcNow.AddDays(-i))).ToArray());

    private sealed record SeedMessageBatch(Testing.Dovecot.SeedMessage[] Messages);

    [Fact]
    public async Task ReportsCapabilitiesFoldersAndQuota_WhenBothSidesLogIn()
    {
        var source = servers.NewAccount(servers.Source);
        var destination = servers.NewAccount(servers.Quota);
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", Mailbox.Message("a"), Mailbox.Message("b"));
        await Mailbox.SeedAsync(servers.Source, source, "Itens Enviados", Mailbox.Message("c"));

        var result = await new NativeImapSyncEngine().PreflightAsync(source, destination);

        Assert.True(result.Succeeded, string.Join("; ", result.Failures.Select(f => f.Message)));
        Assert.True(result.SourceCapabilities!.CondStore && result.SourceCapabilities.UidPlus && result.SourceCapabilities.SpecialUse);
        Assert.True(result.DestinationCapabilities!.MultiAppend && result.DestinationCapabilities.Quota);
        Assert.False(result.SourceCapabilities.Quota);
        var inbox = Assert.Single(result.Folders, f => f.Name == "INBOX");
        Assert.Equal(2, inbox.Messages);
        Assert.True(inbox.Bytes > 200);
        Assert.Equal(FolderRole.Sent, Assert.Single(result.Folders, f => f.Name == "Itens Enviados").Role);
        Assert.Equal(1024 * 1024, result.Quota!.LimitBytes);
        Assert.True(result.Quota.Fits);
    }

    [Fact]
    public async Task ReportsAuthenticationFailedOnTheSource_WhenPasswordIsWrong()
    {
        var source = servers.NewAccount(servers.Source) with { Secret = "not-the-password" };
        var destination = servers.NewAccount(servers.Destination);

        var result = await new NativeImapSyncEngine().PreflightAsync(source, destination);

        var failure = Assert.Single(result.Failures);
        Assert.Equal(ImapFailureKind.AuthenticationFailed, failure.Kind);
        Assert.Equal(ImapSide.Source, failure.Side);
        Assert.Equal($"authentication failed for {source.User} on the source: check the password", failure.Message);
        Assert.DoesNotContain("not-the-password", failure.Message + failure.Detail);
        Assert.NotNull(result.DestinationCapabilities);
    }

    [Fact]
    public async Task ReportsConnectionRefusedOnTheDestination_WhenPortIsClosed()
    {
        var source = servers.NewAccount(servers.Source);
        var destination = new ImapEndpoint("127.0.0.1", ClosedPort(), ImapSecurity.None, "ana@example.com", "x");

        var result = await new NativeImapSyncEngine().PreflightAsync(source, destination);

        var failure = Assert.Single(result.Failures);
        Assert.Equal(ImapFailureKind.ConnectionRefused, failure.Kind);
        Assert.Equal(ImapSide.Destination, failure.Side);
        Assert.Contains($"127.0.0.1:{destination.Port}", failure.Message);
    }

    [Theory]
    [InlineData(ImapSecurity.Ssl)]
    [InlineData(ImapSecurity.StartTls)]
    public async Task ReportsTls_WhenTlsIsAskedOfAPlainServer(ImapSecurity security)
    {
        var source = servers.NewAccount(servers.Source) with { Security = security };

        var result = await new NativeImapSyncEngine(new NativeImapOptions { Timeout = TimeSpan.FromSeconds(5) })
            .PreflightAsync(source, servers.NewAccount(servers.Destination));

        var failure = Assert.Single(result.Failures);
        Assert.Equal(ImapFailureKind.Tls, failure.Kind);
        Assert.Equal(ImapSide.Source, failure.Side);
    }

    [Fact]
    public async Task ReportsTimeout_WhenTheServerNeverGreets()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accept = silent.AcceptTcpClientAsync();
        var destination = new ImapEndpoint("127.0.0.1", ((IPEndPoint)silent.LocalEndpoint).Port, ImapSecurity.None, "ana@example.com", "x");

        var result = await new NativeImapSyncEngine(new NativeImapOptions { Timeout = TimeSpan.FromSeconds(1) })
            .PreflightAsync(servers.NewAccount(servers.Source), destination);

        var failure = Assert.Single(result.Failures);
        Assert.Equal(ImapFailureKind.Timeout, failure.Kind);
        Assert.Equal(ImapSide.Destination, failure.Side);
        (await accept).Dispose();
    }

    [Fact]
    public async Task ThrowsClassifiedFailure_WhenSyncCannotLogIn()
    {
        var request = new SyncRequest
        {
            Source = servers.NewAccount(servers.Source),
            Destination = servers.NewAccount(servers.Destination) with { Secret = "wrong" },
        };

        var ex = await Assert.ThrowsAsync<ImapSyncException>(() => new NativeImapSyncEngine().SyncAsync(request, new InMemorySyncStateStore()));

        Assert.Equal(ImapFailureKind.AuthenticationFailed, ex.Failure.Kind);
        Assert.Equal(ImapSide.Destination, ex.Failure.Side);
    }

    [Fact]
    public async Task ReportsQuotaExceeded_WhenTheSourceDoesNotFitTheDestination()
    {
        var source = servers.NewAccount(servers.Source);
        var destination = servers.NewAccount(servers.Quota);
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", HundredKb(14).Messages);

        var result = await new NativeImapSyncEngine().PreflightAsync(source, destination);

        var failure = Assert.Single(result.Failures);
        Assert.Equal(ImapFailureKind.QuotaExceeded, failure.Kind);
        Assert.Equal(ImapSide.Destination, failure.Side);
        Assert.False(result.Quota!.Fits);
        Assert.True(result.Quota.RequiredBytes > 1_400_000);
    }

    [Fact]
    public async Task StopsWithQuotaExceeded_WhenMoreMessagesThanMaxErrorsAreRejected()
    {
        var source = servers.NewAccount(servers.Source);
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", HundredKb(16).Messages);
        var request = new SyncRequest { Source = source, Destination = servers.NewAccount(servers.Quota) };

        var ex = await Assert.ThrowsAsync<ImapSyncException>(() =>
            new NativeImapSyncEngine(new NativeImapOptions { MaxErrors = 2 }).SyncAsync(request, new InMemorySyncStateStore()));

        Assert.Equal(ImapFailureKind.QuotaExceeded, ex.Failure.Kind);
        Assert.Equal(ImapSide.Destination, ex.Failure.Side);
        Assert.Contains("over quota", ex.Failure.Message);
    }

    [Fact]
    public async Task CountsRejectedMessagesAndCarriesOn_WhenErrorsStayBelowMaxErrors()
    {
        var source = servers.NewAccount(servers.Source);
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", HundredKb(16).Messages);
        var destination = servers.NewAccount(servers.Quota);
        var state = new InMemorySyncStateStore();
        var engine = new NativeImapSyncEngine(new NativeImapOptions { MaxErrors = 100 });

        var stats = await engine.SyncAsync(new SyncRequest { Source = source, Destination = destination }, state);

        Assert.True(stats.Errors > 0);
        Assert.True(stats.MessagesTransferred > 0);
        Assert.Equal(16, stats.MessagesTransferred + stats.Errors);
        Assert.Equal(stats.MessagesTransferred, await Mailbox.CountAsync(servers.Quota, destination, "INBOX"));
        // Rejected messages are retried on the next pass (still over quota here).
        var again = await engine.SyncAsync(new SyncRequest { Source = source, Destination = destination, Kind = SyncKind.Delta }, state);
        Assert.Equal(stats.Errors, again.Errors);
    }

    [Fact]
    public async Task PlansFoldersAndCountsWithoutWriting_WhenDryRun()
    {
        var source = servers.NewAccount(servers.Source);
        var destination = servers.NewAccount(servers.Destination);
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", Mailbox.Message("a"), Mailbox.Message("b"));
        await Mailbox.SeedAsync(servers.Source, source, "Itens Enviados", Mailbox.Message("c"));
        await Mailbox.SeedAsync(servers.Source, source, "Clientes/2024/Março", Mailbox.Message("d"));
        var before = await Mailbox.FolderNamesAsync(servers.Destination, destination);
        var engine = new NativeImapSyncEngine();

        var plan = await engine.PlanAsync(new SyncRequest { Source = source, Destination = destination }, new InMemorySyncStateStore());

        Assert.Equal(4, plan.SourceMessages);
        Assert.Equal(4, plan.ToCopy);
        Assert.Equal("Sent", Assert.Single(plan.Folders, f => f.Mapping.Source == "Itens Enviados").Mapping.Destination);
        Assert.False(Assert.Single(plan.Folders, f => f.Mapping.Source == "Clientes/2024/Março").Mapping.DestinationExists);
        Assert.Equal(before, await Mailbox.FolderNamesAsync(servers.Destination, destination));
        Assert.Equal(0, engine.Commands.Count("APPEND") + engine.Commands.Count("CREATE"));
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
