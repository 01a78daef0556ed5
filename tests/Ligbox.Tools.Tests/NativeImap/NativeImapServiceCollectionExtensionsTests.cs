using Ligbox.Tools.NativeImap;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ligbox.Tools.Tests.NativeImap;

public sealed class NativeImapServiceCollectionExtensionsTests
{
    [Fact]
    public void ResolvesOneEngineWithBoundOptions_WhenRegistered()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Tools:NativeImap:AppendConnectionsPerMailbox"] = "2", ["Tools:NativeImap:MaxErrors"] = "7" })
            .Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);

        services.AddNativeImapEngine();
        using var provider = services.BuildServiceProvider();

        Assert.Same(provider.GetRequiredService<NativeImapSyncEngine>(), provider.GetRequiredService<IImapSyncEngine>());
        var options = provider.GetRequiredService<IOptions<NativeImapOptions>>().Value;
        Assert.Equal(2, options.AppendConnectionsPerMailbox);
        Assert.Equal(7, options.MaxErrors);
    }

    [Fact]
    public void RejectsOptions_WhenOutOfRange()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Tools:NativeImap:AppendConnectionsPerMailbox"] = "0" })
            .Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);

        services.AddNativeImapEngine();
        using var provider = services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<NativeImapOptions>>().Value);
    }
}
