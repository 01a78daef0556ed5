using Ligbox.Testing.PostgreSql;
using Ligbox.Core.Audit;
using Ligbox.Core.Jobs;
using Ligbox.Core.Tests.Infrastructure;

namespace Ligbox.Core.Tests.Jobs;

public class JobServiceTests
{
    /// <summary>Null: SQLite (the default); the <c>OnPostgreSql</c> variant runs every test again on a real PostgreSQL.</summary>
    protected virtual PostgreSqlServer? Postgres => null;

    private static CreateJobRequest Request(string domain, string? ticket = null) => new()
    {
        Domain = domain,
        TicketId = ticket,
        Source = new() { Host = "imap.old-host.com", Port = 993 },
        Destination = new() { Host = "mail.ligbox.net", Port = 143, Security = ImapSecurityMode.StartTls },
    };

    [Fact]
    public async Task Create_PersistsJobAndAudit_InTheSqliteFile()
    {
        JobDto created;
        await using var host = await CoreHost.StartAsync(new Dictionary<string, string?> { ["Ligbox:TicketUrlTemplate"] = "https://desk.test/t/{ticket}" }, postgres: Postgres);
        await using (var scope = host.Scope())
        {
            created = await host.Get<JobService>(scope).CreateAsync(Request("Acme.com", "DESK-42"), "tech@test");
        }

        await using (var scope = host.Scope())
        {
            var job = await host.Get<JobService>(scope).GetAsync(created.Id);
            Assert.Equal("acme.com", job.Domain);
            Assert.Equal(MigrationPhase.Draft, job.Phase);
            Assert.Equal("https://desk.test/t/DESK-42", job.TicketUrl);
            Assert.Equal(ImapSecurityMode.StartTls, job.Destination.Security);
            var audit = await host.Get<AuditLog>(scope).ListAsync(created.Id);
            Assert.Contains(audit, a => a.Action == "job.created" && a.Actor == "tech@test");
        }
    }

    [Fact]
    public async Task Create_ReportsFieldErrors_WhenInputIsInvalid()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        await using var scope = host.Scope();
        var bad = Request("not a domain");
        bad.Source!.Port = 70000;
        bad.Destination.Host = "";
        var ex = await Assert.ThrowsAsync<ValidationFailedException>(() => host.Get<JobService>(scope).CreateAsync(bad, "tech"));
        Assert.Contains("domain", ex.Errors.Keys);
        Assert.Contains("source.port", ex.Errors.Keys);
        Assert.Contains("destination.host", ex.Errors.Keys);
    }

    [Fact]
    public async Task List_FiltersSortsAndPages()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        await using var scope = host.Scope();
        var service = host.Get<JobService>(scope);
        foreach (var d in new[] { "c.com", "a.com", "b.com", "d.com", "e.com" })
        {
            await service.CreateAsync(Request(d, d == "b.com" ? "T-9" : null), "tech");
        }

        var page = await service.ListAsync(new JobListQuery { SortBy = JobSortField.Domain, Descending = false, Page = 2, PageSize = 2 });
        Assert.Equal(5, page.Total);
        Assert.Equal(["c.com", "d.com"], page.Items.Select(j => j.Domain));
        var byTicket = await service.ListAsync(new JobListQuery { TicketId = "T-9" });
        Assert.Equal("b.com", Assert.Single(byTicket.Items).Domain);
        var cancelled = await service.CancelAsync(byTicket.Items[0].Id, "test", "tech");
        Assert.Equal(MigrationPhase.Cancelled, cancelled.Phase);
        var byPhase = await service.ListAsync(new JobListQuery { Phase = MigrationPhase.Cancelled });
        Assert.Equal(1, byPhase.Total);
    }

    [Fact]
    public async Task Update_IsRefused_AfterCancel()
    {
        await using var host = await CoreHost.StartAsync(postgres: Postgres);
        await using var scope = host.Scope();
        var service = host.Get<JobService>(scope);
        var job = await service.CreateAsync(Request("x.com"), "tech");
        var updated = await service.UpdateAsync(job.Id, new UpdateJobRequest { Name = "X migration" }, "tech");
        Assert.Equal("X migration", updated.Name);
        await service.CancelAsync(job.Id, null, "tech");
        await Assert.ThrowsAsync<DomainException>(() => service.UpdateAsync(job.Id, new UpdateJobRequest { Name = "again" }, "tech"));
        await Assert.ThrowsAsync<NotFoundException>(() => service.GetAsync(Guid.NewGuid()));
    }
}
