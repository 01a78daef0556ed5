using Ligbox.Tools.Doveadm;
using Ligbox.Tools.Engines;
using Ligbox.Tools.Imapsync;
using Ligbox.Tools.Inventory;
using Ligbox.Tools.Processes;
using Ligbox.Tools.Readpst;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ligbox.Tools.Tests.Processes;

public class ExternalToolsServiceCollectionExtensionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddExternalTools();
        return services.BuildServiceProvider(validateScopes: true);
    }

    [Fact]
    public void ResolvesWrappersWithBoundSettings_WhenConfigured()
    {
        using var provider = Build(new() { ["Tools:Imapsync:ImapsyncPath"] = "/opt/imapsync/imapsync", ["Tools:Readpst:ReadpstPath"] = "/usr/bin/readpst" });

        Assert.IsType<CliWrapProcessRunner>(provider.GetRequiredService<IProcessRunner>());
        Assert.IsType<ImapsyncRunner>(provider.GetRequiredService<IImapsyncRunner>());
        Assert.IsType<ReadpstRunner>(provider.GetRequiredService<IReadpstRunner>());
        Assert.IsType<ToolInventory>(provider.GetRequiredService<IToolInventory>());
        Assert.Equal("/opt/imapsync/imapsync", provider.GetRequiredService<IOptions<ImapsyncSettings>>().Value.ImapsyncPath);
        Assert.Equal("/usr/bin/readpst", provider.GetRequiredService<IOptions<ReadpstSettings>>().Value.ReadpstPath);
    }

    [Fact]
    public void RegistersTheDoveadmEngine_WithItsConfigFile()
    {
        using var provider = Build(new() { ["Tools:Doveadm:ConfigFile"] = "/nonexistent/dovecot.conf" });

        var engine = Assert.IsType<DoveadmSyncEngine>(new EngineRegistry(provider.GetServices<IMigrationEngine>()).Get(EngineKind.Doveadm));
        Assert.Contains("/nonexistent/dovecot.conf", engine.UnavailableReason(), StringComparison.Ordinal);
    }

    [Fact]
    public void RegistersTheImapsyncEngine_WithItsConfiguredPath()
    {
        using var provider = Build(new() { ["Tools:Imapsync:ImapsyncPath"] = "/nonexistent/imapsync" });

        var engine = Assert.IsType<ImapsyncMigrationEngine>(new EngineRegistry(provider.GetServices<IMigrationEngine>()).Get(EngineKind.Imapsync));
        Assert.Contains("/nonexistent/imapsync", engine.UnavailableReason(), StringComparison.Ordinal);
    }

    [Fact]
    public void FailsValidation_WhenAPathIsConfiguredEmpty()
    {
        using var provider = Build(new() { ["Tools:Imapsync:ImapsyncPath"] = "" });

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ImapsyncSettings>>().Value);
    }
}
