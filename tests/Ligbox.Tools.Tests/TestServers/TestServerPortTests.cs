using System.Net;
using System.Net.Sockets;
using Ligbox.Testing.Dovecot;
using Ligbox.Testing.Processes;

namespace Ligbox.Tools.Tests.TestServers;

/// <summary>
/// The test servers' ports. A port that is free when chosen can be taken before the server binds it; in a full
/// run a Dovecot failed to start that way ("Address already in use") and its master was left running.
/// </summary>
public sealed class TestServerPortTests
{
    [Fact]
    public void FreePorts_AreBelowTheRangeOutgoingConnectionsUse_AndCanBeListenedOn()
    {
        var ports = Enumerable.Range(0, 20).Select(_ => LoopbackPort.Free()).ToList();

        Assert.All(ports, port => Assert.InRange(port, 1_024, EphemeralStart() - 1));
        Assert.Equal(ports.Count, ports.Distinct().Count());
        using var listener = new TcpListener(IPAddress.Loopback, ports[^1]);
        listener.Start();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(32_768)]
    [InlineData(4_194_304)]
    public void EveryProcessId_StartsInsideTheRange(int processId)
    {
        Assert.InRange(LoopbackPort.StartFor(processId), 10_000, EphemeralStart() - 1);
    }

    [Fact]
    public async Task Dovecot_WhosePortIsTakenBeforeItBinds_StartsOnAnother_AndLeavesNoMasterBehind()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var handedOut = 0;
        var server = new DovecotServer(new DovecotServerOptions { ChoosePort = () => handedOut++ == 0 ? taken : LoopbackPort.Free() });

        try
        {
            await server.StartAsync();

            Assert.NotEqual(taken, server.Port);
            Assert.True(handedOut >= 2);
            server.AddUser("alice", "secret");
            using var client = await server.ConnectAsync("alice", "secret");
            Assert.True(client.IsAuthenticated);
        }
        finally
        {
            server.Dispose();
        }

        Assert.Empty(ProcessTable.WithCommandLineContaining(server.ConfigPath));
    }

    private static int EphemeralStart() =>
        int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0]);
}
