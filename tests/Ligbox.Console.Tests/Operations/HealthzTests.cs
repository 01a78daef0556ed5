using System.Net;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;

namespace Ligbox.Console.Tests.Operations;

/// <summary><c>/healthz</c> on the real host (real SQLite file, real data directory, real Quartz, real tool probes), without signing in.</summary>
public sealed class HealthzTests : IAsyncLifetime
{
    private readonly LigboxAppFactory _app = new();

    public Task InitializeAsync() => _app.InitializeAsync();

    public async Task DisposeAsync() => await ((IAsyncLifetime)_app).DisposeAsync();

    private async Task<(HttpStatusCode Status, JsonElement Body, string Text)> GetAsync(LigboxAppFactory app)
    {
        using var client = app.CreateClient();
        using var response = await client.GetAsync("/healthz");
        var text = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), text);
    }

    private static string Status(JsonElement body, string check) => body.GetProperty("checks").GetProperty(check).GetProperty("status").GetString()!;

    [Fact]
    public async Task AnswersAnonymouslyWithEveryCheck_AndNoPathsOrSecrets()
    {
        var (status, body, text) = await GetAsync(_app);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("Healthy", "Healthy", "Healthy"), (Status(body, "database"), Status(body, "dataDirectory"), Status(body, "scheduler")));
        var tools = body.GetProperty("checks").GetProperty("tools");
        Assert.NotEqual("missing", tools.GetProperty("data").GetProperty("readpst").GetString());
        // A missing tool (imapsync is not on PATH on every machine) makes the console degraded, still 200: it works without it.
        var toolsStatus = tools.GetProperty("status").GetString();
        Assert.Equal(toolsStatus == "Healthy" ? "Healthy" : "Degraded", body.GetProperty("status").GetString());
        Assert.True(body.GetProperty("checks").GetProperty("dataDirectory").GetProperty("data").GetProperty("freeBytes").GetInt64() > 0);
        Assert.DoesNotContain(_app.DataDir, text, StringComparison.Ordinal);
        Assert.DoesNotContain(LigboxAppFactory.AdminPassword, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answers503_WhenAFolderOfTheDataDirectoryCannotBeWritten()
    {
        // Root writes through any permission bits, so the uploads folder becomes a file: nothing can be written in it.
        var uploads = Path.Combine(_app.DataDir, "uploads");
        Directory.Delete(uploads, recursive: true);
        await File.WriteAllTextAsync(uploads, "not a directory");
        try
        {
            var (status, body, _) = await GetAsync(_app);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("Unhealthy", body.GetProperty("status").GetString());
            Assert.Equal("Unhealthy", Status(body, "dataDirectory"));
            Assert.Equal("Cannot write in uploads of the data directory.", body.GetProperty("checks").GetProperty("dataDirectory").GetProperty("description").GetString());
            Assert.Equal("Healthy", Status(body, "database"));
        }
        finally
        {
            File.Delete(uploads);
            Directory.CreateDirectory(uploads);
        }

        Assert.Equal(HttpStatusCode.OK, (await GetAsync(_app)).Status);
    }

    [Fact]
    public async Task Answers503_WhenTheDataDirectorysDiskHasLessFreeSpaceThanConfigured()
    {
        await using var app = new TinyDiskApp();
        await app.InitializeAsync();

        var (status, body, _) = await GetAsync(app);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        var check = body.GetProperty("checks").GetProperty("dataDirectory");
        Assert.Equal("Unhealthy", check.GetProperty("status").GetString());
        Assert.StartsWith("Only ", check.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("Ligbox:Health:MinFreeBytes", check.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    /// <summary>A host that wants a petabyte free.</summary>
    private sealed class TinyDiskApp : LigboxAppFactory
    {
        protected override IDictionary<string, string?> Settings
        {
            get
            {
                var settings = base.Settings;
                settings["Ligbox:Health:MinFreeBytes"] = (1L << 50).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return settings;
            }
        }
    }
}
