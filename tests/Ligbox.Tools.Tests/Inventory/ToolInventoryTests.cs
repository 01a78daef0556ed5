using Ligbox.Tools.Doveadm;
using Ligbox.Tools.Imapsync;
using Ligbox.Tools.Inventory;
using Ligbox.Tools.Processes;
using Ligbox.Tools.Readpst;
using Microsoft.Extensions.Options;

namespace Ligbox.Tools.Tests.Inventory;

public class ToolInventoryTests
{
    private static ToolInventory Inventory(string imapsyncPath = "imapsync") => new(
        new CliWrapProcessRunner(),
        Options.Create(new ReadpstSettings()),
        Options.Create(new ImapsyncSettings { ImapsyncPath = imapsyncPath }),
        Options.Create(new DoveadmSettings()));

    [Fact]
    public async Task ReportsReadpstAndDoveadmInstalledWithVersions_WhenDebianPackagesArePresent()
    {
        var tools = (await Inventory().DetectAsync()).ToDictionary(t => t.Name);

        Assert.Equal(["readpst", "imapsync", "doveadm"], tools.Keys);
        Assert.True(tools["readpst"].Installed);
        Assert.Equal("0.6.76", tools["readpst"].Version);
        Assert.Equal("/usr/bin/readpst", tools["readpst"].Path);
        Assert.True(tools["doveadm"].Installed);
        Assert.Matches(@"^2\.\d+\.\d+", tools["doveadm"].Version);
        Assert.Equal("/usr/bin/doveadm", tools["doveadm"].Path);
    }

    [Fact]
    public async Task ReportsNotInstalledWithInstallHint_WhenToolIsMissing()
    {
        var tools = await Inventory(imapsyncPath: "/nonexistent/imapsync").DetectAsync();

        var imapsync = Assert.Single(tools, t => t.Name == "imapsync");
        Assert.False(imapsync.Installed);
        Assert.Null(imapsync.Version);
        Assert.Null(imapsync.Path);
        Assert.Contains("scripts/install-migration-tools.sh", imapsync.InstallHint);
    }

    [Fact]
    public async Task ReportsInstalledWithProblem_WhenVersionCommandHangs()
    {
        var probe = new ToolProbe("sleepy", "sleep", [("sleep", ["30"])], "n/a");

        var status = await Inventory().ProbeAsync(probe);

        Assert.True(status.Installed);
        Assert.Null(status.Version);
        Assert.Contains("did not answer", status.Problem);
    }

    [Fact]
    public async Task FallsBackToNextCommand_WhenFirstPrintsNoVersion()
    {
        var probe = new ToolProbe("doveadm", "doveadm", [("doveadm", ["--version"]), ("bash", ["-c", "echo '9.8.7 (abc)'"])], "n/a");

        var status = await Inventory().ProbeAsync(probe);

        Assert.Equal("9.8.7", status.Version);
        Assert.Null(status.Problem);
    }
}
