using Ligbox.Tools.Processes;

namespace Ligbox.Tools.Tests.Processes;

/// <summary>A child started through the runner sees a minimal environment, never the console's settings or secrets.</summary>
public class ChildEnvironmentTests
{
    private static readonly string[] Leaky =
    [
        "Ligbox__Bootstrap__ApiToken", "Ligbox__Admin__Password", "ASPNETCORE_URLS", "DOTNET_ENVIRONMENT", "LIGBOX_TEST_TOKEN", "LIGBOX_TEST_PASSWORD",
    ];

    [Fact]
    public async Task ChildSeesNoConsoleSettingsOrSecrets_WhenParentHasThem()
    {
        foreach (var name in Leaky)
        {
            Environment.SetEnvironmentVariable(name, "lgbx_leaked-secret-value");
        }

        try
        {
            var lines = new List<string>();
            var spec = new ProcessSpec("/usr/bin/env", []) { OnOutputLine = l => lines.Add(l.Text), Environment = new Dictionary<string, string?> { ["TOOL_OPTION"] = "given" } };

            var result = await new CliWrapProcessRunner().RunAsync(spec);

            Assert.Equal(0, result.ExitCode);
            Assert.DoesNotContain(lines, l => l.Contains("leaked-secret", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.StartsWith("Ligbox__", StringComparison.OrdinalIgnoreCase) || l.StartsWith("ASPNETCORE_", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("PATH=", StringComparison.Ordinal));
            Assert.Contains("TOOL_OPTION=given", lines);
            Assert.All(lines, l => Assert.True(ChildEnvironment.IsAllowed(l.Split('=')[0]) || l.StartsWith("TOOL_OPTION=", StringComparison.Ordinal), l));
        }
        finally
        {
            foreach (var name in Leaky)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }
    }
}
