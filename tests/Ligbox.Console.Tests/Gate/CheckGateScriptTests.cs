using System.Diagnostics;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Core.Gate;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Gate;

/// <summary>scripts/check-gate.sh against the real console on a loopback port.</summary>
public class CheckGateScriptTests(CheckGateScriptTests.Fixture fixture) : IClassFixture<CheckGateScriptTests.Fixture>
{
    public sealed class Fixture : LigboxKestrelAppFactory
    {
        public string Token { get; private set; } = "";

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Token = await CreateTokenAsync(Scopes.GateRead);
        }
    }

    private static string Script
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Ligbox.slnx")))
            {
                dir = dir.Parent;
            }

            return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("Repository root not found."), "scripts", "check-gate.sh");
        }
    }

    private async Task<(int Exit, string Output)> RunAsync(string? url, string? token, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Script);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["LIGBOX_URL"] = url ?? "";
        start.Environment["LIGBOX_TOKEN"] = token ?? "";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task ExitsZero_WhenApproved()
    {
        var id = await GateSeed.ReadyJobAsync(fixture.Services, "approved-script.example.com");
        await fixture.Services.GetRequiredService<GateService>().ApproveAsync(id, LigboxAppFactory.AdminEmail, "switch DNS", false);

        var (exit, output) = await RunAsync(fixture.ServerAddress.ToString(), fixture.Token, "approved-script.example.com");

        Assert.True(exit == 0, output);
        Assert.Contains("APPROVED: approved-script.example.com (grade good, 99.58%) by admin@ligbox.test", output);
    }

    [Fact]
    public async Task ExitsOne_WithReasons_WhenNotApproved()
    {
        await GateSeed.JobAsync(fixture.Services, "blocked-script.example.com", [new SeedMailbox("ana@blocked-script.example.com", 10_000, 9_850)]);

        var (exit, output) = await RunAsync(fixture.ServerAddress.ToString(), fixture.Token, "blocked-script.example.com");

        Assert.True(exit == 1, output);
        Assert.Contains("NOT APPROVED: blocked-script.example.com is blocked (grade blocked, 98.5%)", output);
        Assert.Contains("  - ana@blocked-script.example.com: 9,850 of 10,000 messages (98.5%) — below the 99% threshold.", output);
    }

    [Fact]
    public async Task ExitsOne_ForUnknownDomain()
    {
        var (exit, output) = await RunAsync(fixture.ServerAddress.ToString(), fixture.Token, "unknown-script.example.com");

        Assert.True(exit == 1, output);
        Assert.Contains("no migration job exists", output);
    }

    [Theory]
    [InlineData("usage")]
    [InlineData("no-token")]
    [InlineData("bad-token")]
    [InlineData("unreachable")]
    public async Task ExitsTwo_OnUsageOrConnectionErrors(string fault)
    {
        var url = fixture.ServerAddress.ToString();
        var (exit, output) = fault switch
        {
            "usage" => await RunAsync(url, fixture.Token),
            "no-token" => await RunAsync(url, null, "example.com"),
            "bad-token" => await RunAsync(url, "lgbx_wrong", "example.com"),
            _ => await RunAsync("http://127.0.0.1:1/", fixture.Token, "example.com"),
        };

        Assert.True(exit == 2, $"{fault}: exit {exit}: {output}");
        Assert.DoesNotContain(fixture.Token, output);
    }
}
