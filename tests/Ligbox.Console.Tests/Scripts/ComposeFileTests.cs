using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Ligbox.Console.Tests.Scripts;

/// <summary>
/// <c>compose.yaml</c> (issue 17) read with a real YAML parser (merge keys resolved as Compose does). Docker cannot run
/// on the CI machine, so this checks the file's structure only: PostgreSQL, one web node and two workers from the
/// repository's Dockerfile, on one shared data volume, with distinct node ids and no secret written into the file.
/// </summary>
public sealed class ComposeFileTests
{
    private static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Ligbox.slnx")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("Ligbox.slnx not found");
        }
    }

    private static Dictionary<object, object> Load()
    {
        using var reader = new StreamReader(Path.Combine(RepoRoot, "compose.yaml"));
        var yaml = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(new MergingParser(new Parser(reader)));
        return yaml;
    }

    private static Dictionary<object, object> Map(object? node) => Assert.IsType<Dictionary<object, object>>(node);

    private static Dictionary<object, object> Service(Dictionary<object, object> compose, string name) => Map(Map(compose["services"])[name]);

    private static Dictionary<object, object> Env(Dictionary<object, object> service) => Map(service["environment"]);

    [Fact]
    public void ItParses_IntoPostgreSql_OneWebNode_AndTwoWorkers()
    {
        var compose = Load();

        Assert.Equal(new[] { "db", "web", "worker-1", "worker-2" }, Map(compose["services"]).Keys.Cast<string>().Order(StringComparer.Ordinal));
        Assert.StartsWith("postgres:", (string)Service(compose, "db")["image"], StringComparison.Ordinal);
        Assert.Equal("web", Env(Service(compose, "web"))["Ligbox__Node__Role"]);
        Assert.Equal("worker", Env(Service(compose, "worker-1"))["Ligbox__Node__Role"]);
        Assert.Equal("worker", Env(Service(compose, "worker-2"))["Ligbox__Node__Role"]);
    }

    [Fact]
    public void EveryConsoleNode_IsBuiltFromTheDockerfile_OnPostgreSql_WithItsOwnId_AndTheSharedDataVolume()
    {
        var compose = Load();
        var ids = new List<string>();
        foreach (var name in new[] { "web", "worker-1", "worker-2" })
        {
            var service = Service(compose, name);
            Assert.Equal(".", service["build"]);
            var env = Env(service);
            Assert.Equal("PostgreSQL", env["Ligbox__Database__Provider"]);
            Assert.StartsWith("Host=db;", (string)env["Ligbox__Database__ConnectionString"], StringComparison.Ordinal);
            ids.Add((string)env["Ligbox__Node__Id"]);
            Assert.Contains("ligbox-data:/data/migrations", Assert.IsType<List<object>>(service["volumes"]).Cast<string>());
            Assert.Equal("db", Map(service["depends_on"]).Keys.Cast<string>().Single());
        }

        Assert.Equal(3, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.True(File.Exists(Path.Combine(RepoRoot, "Dockerfile")));
        // Only the web node publishes a port; the Dockerfile's data directory is the volume's mount point.
        Assert.True(Service(compose, "web").ContainsKey("ports"));
        Assert.False(Service(compose, "worker-1").ContainsKey("ports"));
        Assert.Contains("Ligbox__DataDir=/data/migrations", File.ReadAllText(Path.Combine(RepoRoot, "Dockerfile")), StringComparison.Ordinal);
    }

    [Fact]
    public void TheImageAndTheLaunchProfile_LimitGlibcsArenas_WhichItReadsOnlyFromTheEnvironment()
    {
        // docs/sizing.md: the console's native heap with two arenas (the runtime line at start reports what it got).
        var dockerfile = File.ReadAllText(Path.Combine(RepoRoot, "Dockerfile"));
        Assert.Matches(@"(?m)^ENV (.*\\\n)*\s*MALLOC_ARENA_MAX=2\s*$", dockerfile);
        using var profile = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot, "Ligbox.Console", "Properties", "launchSettings.json")));
        var env = profile.RootElement.GetProperty("profiles").GetProperty("Ligbox.Console").GetProperty("environmentVariables");
        Assert.Equal("2", env.GetProperty("MALLOC_ARENA_MAX").GetString());
    }

    [Fact]
    public void NoSecretIsWrittenIntoTheFile_TheyComeFromTheEnvironmentOrASecretFile()
    {
        var compose = Load();
        foreach (var name in new[] { "web", "worker-1", "worker-2" })
        {
            var env = Env(Service(compose, name));
            Assert.Contains("Password=${LIGBOX_DB_PASSWORD:?", (string)env["Ligbox__Database__ConnectionString"], StringComparison.Ordinal);
            Assert.StartsWith("${", (string)env["Ligbox__Admin__Password"], StringComparison.Ordinal);
            Assert.StartsWith("${", (string)env["Ligbox__DataProtection__CertificatePassword"], StringComparison.Ordinal);
            Assert.Equal("/run/secrets/ligbox-dataprotection", env["Ligbox__DataProtection__CertificatePath"]);
        }

        Assert.StartsWith("${", (string)Env(Service(compose, "db"))["POSTGRES_PASSWORD"], StringComparison.Ordinal);
    }
}
