using Ligbox.Core.Accounts;
using Ligbox.Core.Storage;
using Ligbox.Core.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
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

            var line = Assert.Single(logs.Lines, l => l.Contains("generated password", StringComparison.Ordinal));
            var password = line.Split("generated password ")[1].Split(' ')[0];
            await using var scope = host.Scope();
            var users = host.Get<UserManager<AppUser>>(scope);
            var admin = await users.FindByEmailAsync("first@test.local");
            Assert.NotNull(admin);
            Assert.True(await users.CheckPasswordAsync(admin, password));
            Assert.True(await users.IsInRoleAsync(admin, Roles.Admin));
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
