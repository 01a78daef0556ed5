using Bunit;
using Ligbox.Console.Components.Pages.Jobs.Components;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Jobs;
using Ligbox.Testing.Dovecot;

namespace Ligbox.Console.Tests.Components.Pages.Jobs;

/// <summary>
/// Issue 11: when one side logs in and the other does not, Test connection shows each side in its own colour and
/// words (real Dovecot on both sides, the real engine's pre-flight): the working side green, the failing one red.
/// </summary>
public sealed class ConnectionTestPanelTests(LigboxAppFactory app) : DovecotPairTest, IClassFixture<LigboxAppFactory>, IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);
    private readonly PageTestContext _ctx = new(app);

    [Fact]
    public void SourceWorks_DestinationRefused_EachSideHasItsOwnColourAndWords()
    {
        var user = $"u{Guid.NewGuid():N}"[..10] + "@example.com";
        Source.AddUser(user, "source-secret-1");
        Destination.AddUser(user, "dest-secret-1");
        var cut = _ctx.Render<ConnectionTestPanel>(p => p
            .Add(x => x.Source, Server(Source))
            .Add(x => x.Destination, Server(Destination)));
        cut.Input("connection-test-source-user").Change(user);
        cut.Input("connection-test-source-password").Change("source-secret-1");
        cut.Input("connection-test-dest-user").Change(user);
        cut.Input("connection-test-dest-password").Change("not-the-password");
        cut.Find("[data-testid=connection-test-run]").Click();

        cut.WaitForAssertion(() => Assert.Equal("false", cut.Find("[data-testid=connection-test-result]").GetAttribute("data-succeeded")), Patience);
        var source = cut.Find("[data-testid=connection-test-source]");
        var destination = cut.Find("[data-testid=connection-test-destination]");
        Assert.Equal("true", source.GetAttribute("data-side-ok"));
        Assert.Contains("mud-alert-text-success", source.ClassName, StringComparison.Ordinal);
        Assert.StartsWith("Source: works.", source.TextContent.Trim(), StringComparison.Ordinal);
        Assert.Contains($"Logged in to {Source.Host}:{Source.Port} as {user}.", source.TextContent, StringComparison.Ordinal);
        Assert.Equal("false", destination.GetAttribute("data-side-ok"));
        Assert.Contains("mud-alert-text-error", destination.ClassName, StringComparison.Ordinal);
        Assert.StartsWith("Destination: does not work.", destination.TextContent.Trim(), StringComparison.Ordinal);
        Assert.Contains($"authentication failed for {user}", destination.TextContent, StringComparison.Ordinal);
        // One box per side: no single red box for the whole outcome any more.
        Assert.DoesNotContain("mud-alert-text-error", source.ClassName, StringComparison.Ordinal);
    }

    private static ServerEndpointModel Server(DovecotServer server) =>
        new() { Host = server.Host, Port = server.Port, Security = ImapSecurityMode.None, Auth = ImapAuthMode.Plain };

    ValueTask IAsyncDisposable.DisposeAsync() => _ctx.DisposeAsync();
}
