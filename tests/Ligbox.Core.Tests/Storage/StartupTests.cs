using Ligbox.Core.Accounts;
using Ligbox.Core.Storage;
using Ligbox.Core.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ligbox.Core.Tests.Storage;

public class StartupTests
{
    [Fact]
    public void EnsureWritable_NamesTheDirectory_WhenItCannotBeCreated()
    {
        var file = Path.GetTempFileName();
        try
        {
            // A directory below a regular file cannot exist, for root as for anyone.
            var dataDir = new DataDirectory(Path.Combine(file, "data"));
            var ex = Assert.Throws<InvalidOperationException>(dataDir.EnsureWritable);
            Assert.Contains(Path.Combine(file, "data"), ex.Message);
            Assert.Contains("Ligbox:DataDir", ex.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task FirstStart_CreatesTheLayoutAndAnAdmin_WithAGeneratedPasswordLoggedOnce()
    {
        var logs = new ListLoggerProvider();
        string dataDir;
        await using (var host = await CoreHost.StartAsync(
                         new Dictionary<string, string?> { ["Ligbox:Admin:Password"] = "", ["Ligbox:Admin:Email"] = "first@test.local" },
                         b => b.Logging.AddProvider(logs)))
        {
            dataDir = host.DataDir;
            foreach (var sub in new[] { "keys", "uploads", "logs", "quarantine" })
            {
                Assert.True(Directory.Exists(Path.Combine(dataDir, sub)), sub);
            }

            // A copy under the lock: background services (the node heartbeat) keep logging while we read.
            string[] lines;
            lock (logs.Lines)
            {
                lines = [.. logs.Lines];
            }

            var line = Assert.Single(lines, l => l.Contains("generated password", StringComparison.Ordinal));
            var password = line.Split("generated password ")[1].Split(' ')[0];
            await using var scope = host.Scope();
            var users = host.Get<UserManager<AppUser>>(scope);
            var admin = await users.FindByEmailAsync("first@test.local");
            Assert.NotNull(admin);
            Assert.True(await users.CheckPasswordAsync(admin, password));
            Assert.True(await users.IsInRoleAsync(admin, Roles.Admin));
        }
    }

    [Fact]
    public async Task Start_RemovesPassfilesAndDoveadmConfigsThatAKilledProcessLeftBehind()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "ligbox-scratch-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            // What a console killed mid-run leaves: an imapsync run directory with its passfiles, a doveadm config.
            var imapsyncRun = Directory.CreateDirectory(Path.Combine(dataDir, "work", "imapsync", "run-1")).FullName;
            await File.WriteAllTextAsync(Path.Combine(imapsyncRun, "passfile1"), "source-secret");
            Directory.CreateDirectory(Path.Combine(dataDir, "work", "doveadm"));
            var doveadmConfig = Path.Combine(dataDir, "work", "doveadm", "ligbox-doveadm-0123.conf");
            await File.WriteAllTextAsync(doveadmConfig, "imapc_password = \"source-secret\"");
            // Not credential scratch: a PST extraction area stays (its import resumes from it or clears it itself).
            var pstWork = Directory.CreateDirectory(Path.Combine(dataDir, "work", "some-run")).FullName;
            await File.WriteAllTextAsync(Path.Combine(pstWork, "1.eml"), "x");

            await using (var host = await CoreHost.StartAsync(new Dictionary<string, string?> { ["Ligbox:DataDir"] = dataDir }))
            {
                Assert.False(Directory.Exists(imapsyncRun));
                Assert.False(File.Exists(doveadmConfig));
                Assert.True(File.Exists(Path.Combine(pstWork, "1.eml")));
                // doveadm writes its next configs there, not to the shared /tmp.
                var settings = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Ligbox.Tools.Doveadm.DoveadmSettings>>().Value;
                Assert.Equal(Path.Combine(dataDir, "work", "doveadm"), settings.WorkDirectory);
            }
        }
        finally
        {
            if (Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
    }

    private sealed class ListLoggerProvider : ILoggerProvider
    {
        public List<string> Lines { get; } = [];

        public ILogger CreateLogger(string categoryName) => new ListLogger(this);

        public void Dispose()
        {
        }

        private sealed class ListLogger(ListLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner.Lines)
                {
                    owner.Lines.Add(formatter(state, exception));
                }
            }
        }
    }
}
