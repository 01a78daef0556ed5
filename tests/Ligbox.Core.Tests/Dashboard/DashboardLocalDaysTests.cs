using Ligbox.Core.Dashboard;
using Ligbox.Core.Jobs;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Core.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Core.Tests.Dashboard;

/// <summary>
/// The dashboard's copied-per-day series in the reader's time zone (issue 16): a run that ended at 23:30 UTC on a summer
/// day counts for the next day in Lisbon and for the same day in São Paulo; without a zone the days stay UTC (the API).
/// </summary>
public class DashboardLocalDaysTests
{
    private static readonly DateTime Now = new(2026, 7, 20, 12, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime LateRun = new(2026, 7, 14, 23, 30, 0, DateTimeKind.Utc);

    private sealed class FixedClock(DateTime now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(now);
    }

    [Fact]
    public async Task ARunEndedAt2330Utc_CountsForTheReadersDay()
    {
        await using var host = await CoreHost.StartAsync();
        Guid jobId;
        await using (var scope = host.Scope())
        {
            jobId = (await host.Get<JobService>(scope).CreateAsync(new CreateJobRequest
            {
                Domain = "late.example",
                Source = new() { Host = "old.example.com" },
                Destination = new() { Host = "new.example.com" },
            }, "tech@test")).Id;
        }

        var factory = host.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            var run = new Run(jobId, RunKind.Initial, RunTrigger.Manual, "tech@test", LateRun.AddMinutes(-30));
            run.Start(LateRun.AddMinutes(-20), "/tmp/run.log");
            run.Complete(LateRun, null);
            run.RecordCopied(1234, 5_000_000);
            db.Runs.Add(run);
            await db.SaveChangesAsync();
        }

        var service = new DashboardService(factory, host.Services.GetRequiredService<RunProgressNotifier>(), new FixedClock(Now));
        DateOnly DayOf(DashboardView view) => Assert.Single(view.Daily, d => d.Messages > 0).Day;

        Assert.Equal(new DateOnly(2026, 7, 14), DayOf(await service.GetAsync()));
        Assert.Equal(new DateOnly(2026, 7, 15), DayOf(await service.GetAsync(TimeZoneInfo.FindSystemTimeZoneById("Europe/Lisbon"))));
        var saoPaulo = await service.GetAsync(TimeZoneInfo.FindSystemTimeZoneById("America/Sao_Paulo"));
        Assert.Equal(new DateOnly(2026, 7, 14), DayOf(saoPaulo));
        // Thirty of the reader's days, ending with the reader's today.
        Assert.Equal(DashboardService.Days, saoPaulo.Daily.Count);
        Assert.Equal(new DateOnly(2026, 7, 20), saoPaulo.Daily[^1].Day);
        Assert.Equal(1234, saoPaulo.Throughput.Messages30Days);
    }
}
