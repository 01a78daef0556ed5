using Ligbox.Testing.PostgreSql;
using System.Text;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Security;
using Ligbox.Core.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Core.Tests.Mailboxes;

public class MailboxServiceTests
{
    /// <summary>Null: SQLite (the default); the <c>OnPostgreSql</c> variant runs every test again on a real PostgreSQL.</summary>
    protected virtual PostgreSqlServer? Postgres => null;

    private static async Task<JobDto> CreateJobAsync(CoreHost host)
    {
        await using var scope = host.Scope();
        return await host.Get<JobService>(scope).CreateAsync(new CreateJobRequest
        {
            Domain = "example.com",
            Source = new() { Host = "old.example.com" },
            Destination = new() { Host = "new.example.com" },
        }, "tech@test");
    }

    [Fact]
    public async Task SqliteFile_HoldsNoPlaintextPassword_AfterImport()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        var job = await CreateJobAsync(host);
        var secrets = Enumerable.Range(0, 50).Select(i => $"Sup3r-Secret-{i:D3}-ÄÖ").ToList();
        var csv = new StringBuilder("source_user,source_password,dest_user,dest_password\n");
        for (var i = 0; i < secrets.Count; i++)
        {
            csv.Append($"u{i}@example.com,{secrets[i]},u{i}@new.example.com,Dest-{secrets[i]}\n");
        }

        await using (var scope = host.Scope())
        {
            var result = await host.Get<MailboxService>(scope).ImportCsvAsync(job.Id, csv.ToString(), commit: true, "tech@test");
            Assert.True(result.Committed);
            Assert.Equal(50, result.Imported);
        }

        if (Postgres is not null)
        {
            // PostgreSQL: every column of every mailbox row, as the database returns it.
            await using var pg = new Npgsql.NpgsqlConnection(host.Services.GetRequiredService<Ligbox.Core.Persistence.LigboxDatabase>().ConnectionString);
            await pg.OpenAsync();
            await using var select = new Npgsql.NpgsqlCommand("SELECT string_agg(row_to_json(m)::text, ' ') FROM \"Mailboxes\" m", pg);
            var rows = (string)(await select.ExecuteScalarAsync())!;
            Assert.Contains("u7@example.com", rows);
            Assert.All(secrets, s => Assert.DoesNotContain(s, rows));
            return;
        }

        // Flush WAL into the main file so every byte written is in the files we read.
        await using (var conn = new SqliteConnection($"Data Source={Path.Combine(host.DataDir, "ligbox.db")}"))
        {
            await conn.OpenAsync();
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            await cmd.ExecuteNonQueryAsync();
        }

        var files = Directory.GetFiles(host.DataDir, "ligbox.db*");
        Assert.NotEmpty(files);
        var allText = "";
        foreach (var file in files)
        {
            if (!File.Exists(file))
            {
                continue; // -shm goes away when the last connection closes
            }

            var bytes = await File.ReadAllBytesAsync(file);
            var utf8 = Encoding.UTF8.GetString(bytes);
            var utf16 = Encoding.Unicode.GetString(bytes);
            allText += utf8;
            foreach (var secret in secrets.Take(10))
            {
                Assert.DoesNotContain(secret, utf8);
                Assert.DoesNotContain(secret, utf16);
            }
        }

        // The logins are stored as they are: proof that we read the file the rows went to.
        Assert.Contains("u7@example.com", allText);

        // ...and the engines can still get them back.
        await using (var scope = host.Scope())
        {
            var service = host.Get<MailboxService>(scope);
            var mailbox = (await service.ListAsync(job.Id)).Single(m => m.SourceLogin == "u3@example.com");
            var (source, dest) = await service.RevealSecretsAsync(mailbox.Id);
            Assert.Equal(secrets[3], source);
            Assert.Equal("Dest-" + secrets[3], dest);
        }
    }

    [Fact]
    public async Task ImportCsv_AddsNothing_WhenAnyRowIsBad()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        var job = await CreateJobAsync(host);
        await using var scope = host.Scope();
        var service = host.Get<MailboxService>(scope);
        var result = await service.ImportCsvAsync(job.Id,
            "source_user,source_password,dest_user,dest_password\na@x.com,p,a@y.com,p\nb@x.com,,b@y.com,p\n", commit: true, "tech");
        Assert.False(result.Committed);
        Assert.Equal(3, Assert.Single(result.Errors).Line);
        Assert.Empty(await service.ListAsync(job.Id));
    }

    [Fact]
    public async Task ImportCsv_ReportsMailboxesAlreadyInTheJob()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        var job = await CreateJobAsync(host);
        await using var scope = host.Scope();
        var service = host.Get<MailboxService>(scope);
        await service.AddAsync(job.Id, new AddMailboxRequest { SourceUser = "a@x.com", SourcePassword = "p", DestUser = "a@y.com", DestPassword = "q" }, "tech");
        var result = await service.ImportCsvAsync(job.Id, "source_user,source_password,dest_user,dest_password\nA@x.com,p,a@y.com,p\n", commit: true, "tech");
        Assert.Contains(result.Errors, e => e.Line == 2 && e.Reason.Contains("already in this job"));
        Assert.Single(await service.ListAsync(job.Id));
        await Assert.ThrowsAsync<DuplicateMailboxException>(() =>
            service.AddAsync(job.Id, new AddMailboxRequest { SourceUser = "A@X.com", SourcePassword = "p", DestUser = "z@y.com", DestPassword = "q" }, "tech"));
    }

    [Fact]
    public async Task SecretProtector_RoundTrips_AndRejectsTamperedCiphertext()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        var protector = host.Services.GetRequiredService<SecretProtector>();
        var cipher = protector.Protect("pässwörd with spaces");
        Assert.DoesNotContain("pässwörd", cipher);
        Assert.Equal("pässwörd with spaces", protector.Unprotect(cipher));
        Assert.NotEqual(cipher, protector.Protect("pässwörd with spaces")); // randomized
        var tampered = cipher[..^4] + (cipher[^4] == 'A' ? 'B' : 'A') + cipher[^3..];
        var ex = Assert.Throws<DomainException>(() => protector.Unprotect(tampered));
        Assert.Contains("keys/", ex.Message);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(host.DataDir, "keys"), "*.xml"));
    }
}
