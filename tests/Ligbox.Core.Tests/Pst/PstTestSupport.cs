using System.Text;
using Ligbox.Core.Pst;
using Ligbox.Testing.Dovecot;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Processes;
using Ligbox.Tools.Readpst;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Ligbox.Core.Tests.Pst;

/// <summary>Real readpst, shared PST test data read in place, generated mbox files.</summary>
internal static class PstTestSupport
{
    public static PstImporter CreateImporter(PstImportOptions? options = null) =>
        new(new ReadpstRunner(new CliWrapProcessRunner(), Options.Create(new ReadpstSettings())), TimeProvider.System, options);

    /// <summary>A PST in ../shared/testdata/pst (never copied into the repository).</summary>
    public static string SharedPst(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ligbox.slnx")))
            {
                var path = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "testdata", "pst", name));
                return File.Exists(path)
                    ? path
                    : throw new FileNotFoundException($"Shared test data is missing: '{path}' (expected at ../shared/testdata/pst next to the repository).", path);
            }
        }

        throw new InvalidOperationException($"Ligbox.slnx not found above {AppContext.BaseDirectory}.");
    }

    public static ImapEndpoint Endpoint(DovecotServer server, string user) =>
        new(server.Host, server.Port, ImapSecurity.None, user, "secret-" + user);

    public static string NewUser(DovecotServer server)
    {
        var user = "u" + Guid.NewGuid().ToString("N")[..10];
        server.AddUser(user, "secret-" + user);
        return user;
    }

    /// <summary>Writes an mbox of <paramref name="count"/> messages; every third one is unread (<c>Status: O</c>).</summary>
    public static void WriteMbox(string path, int count, int bodyBytes = 0) => WriteMbox(path, Enumerable.Repeat(bodyBytes, count).ToList());

    /// <summary>Writes an mbox with one message per entry of <paramref name="bodySizes"/> (body bytes); every third one is unread.</summary>
    public static void WriteMbox(string path, IReadOnlyList<int> bodySizes)
    {
        using var stream = File.Create(path);
        for (var i = 0; i < bodySizes.Count; i++)
        {
            var message = TestMessages.Create($"mbox message {i}", bodyBytes: bodySizes[i]);
            message.Headers.Add("Status", i % 3 == 0 ? "O" : "RO");
            stream.Write(Encoding.ASCII.GetBytes($"From ana@example.com Fri Mar 15 10:30:00 2024\n"));
            using var body = new MemoryStream();
            message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Unix }, body);
            var text = Encoding.UTF8.GetString(body.ToArray()).Replace("\nFrom ", "\n>From ", StringComparison.Ordinal);
            stream.Write(Encoding.UTF8.GetBytes(text.EndsWith('\n') ? text : text + "\n"));
            stream.Write("\n"u8);
        }
    }

    public sealed class Work : IDisposable
    {
        public Work() => Root = Directory.CreateTempSubdirectory("ligbox-pst-").FullName;

        public string Root { get; }

        public PstImportRequest Request(string source, ImapEndpoint destination, string? root = "Imported PST", string? name = null) =>
            new(source, name ?? Path.GetFileName(source), destination, Path.Combine(Root, "work"), Path.Combine(Root, "quarantine"), root);

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }
}

/// <summary>A Dovecot whose users have a 60 KB storage quota.</summary>
public sealed class TinyQuotaDovecot : IAsyncLifetime
{
    public DovecotServer Server { get; } = new(new DovecotServerOptions { QuotaStorage = "60k" });

    public Task InitializeAsync() => Server.StartAsync();

    public Task DisposeAsync()
    {
        Server.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>A plain Dovecot shared by a test class (each test uses its own user).</summary>
public sealed class PlainDovecot : IAsyncLifetime
{
    public DovecotServer Server { get; } = new();

    public Task InitializeAsync() => Server.StartAsync();

    public Task DisposeAsync()
    {
        Server.Dispose();
        return Task.CompletedTask;
    }
}
