using Ligbox.Core.Persistence;
using Ligbox.Core.Pst;
using Ligbox.Core.Runs;
using Ligbox.Core.Storage;
using Ligbox.Core.Tests.Infrastructure;
using Ligbox.Core.Uploads;
using Ligbox.Core.Zimbra;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ligbox.Core.Tests.Uploads;

/// <summary>
/// Finished uploads are kept for <c>Ligbox:Uploads:CompletedRetention</c>, then deleted unless an import that has not
/// succeeded still names them (it may run, resume or be started again). The console's real store, database and runs.
/// </summary>
public sealed class UploadRetentionTests
{
    [Fact]
    public async Task FinishedUploadsPastTheRetention_AreDeleted_ExceptThoseAnUnfinishedImportNames()
    {
        await using var host = await CoreHost.StartAsync();
        var store = host.Services.GetRequiredService<TusUploadStore>();
        var data = host.Services.GetRequiredService<DataDirectory>();
        var jobId = await host.CreateJobWithMailboxesAsync("retention.example", 1);
        Guid mailboxId;
        await using (var db = await host.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>().CreateDbContextAsync())
        {
            mailboxId = await db.Mailboxes.Where(m => m.JobId == jobId).Select(m => m.Id).SingleAsync();
        }

        var failedPst = await FinishedUploadAsync(store);
        var succeededPst = await FinishedUploadAsync(store);
        var neverImported = await FinishedUploadAsync(store);
        var queuedTgz = await FinishedUploadAsync(store);
        var unfinished = await store.CreateAsync("tech", 10, new Dictionary<string, string?>());

        await ImportRunAsync(host, jobId, RunKind.Pst, RunStatus.Failed,
            id => PstRunFiles.WriteParametersAsync(data, jobId, id, new PstRunParameters(mailboxId, store.GetDataFilePath(failedPst), "a.pst", null, null), default));
        await ImportRunAsync(host, jobId, RunKind.Pst, RunStatus.Succeeded,
            id => PstRunFiles.WriteParametersAsync(data, jobId, id, new PstRunParameters(mailboxId, store.GetDataFilePath(succeededPst), "b.pst", null, null), default));
        await ImportRunAsync(host, jobId, RunKind.Tgz, RunStatus.Queued,
            id => ZimbraRunFiles.WriteParametersAsync(data, jobId, id, new ZimbraRunParameters(mailboxId, store.GetDataFilePath(queuedTgz), "c.tgz", null), default));

        var inUse = await host.Services.GetRequiredService<IUploadsInUse>().PathsAsync(default);
        Assert.Equal(new[] { store.GetDataFilePath(failedPst), store.GetDataFilePath(queuedTgz) }.Order(), inUse.Order());

        // Within the retention (the default 7 days, through the hosted cleanup): nothing goes.
        var cleanup = host.Services.GetServices<IHostedService>().OfType<UploadCleanupService>().Single();
        Assert.Equal(0, await cleanup.CleanupFinishedAsync(default));
        // Past it: the finished uploads no unfinished import names go; the others and the unfinished upload stay.
        Assert.Equal(2, await store.CleanupCompletedAsync(DateTimeOffset.UtcNow.AddMinutes(1), inUse));
        Assert.Null(await store.GetAsync(succeededPst));
        Assert.Null(await store.GetAsync(neverImported));
        Assert.False(File.Exists(store.GetDataFilePath(neverImported)));
        Assert.NotNull(await store.GetAsync(failedPst));
        Assert.True(File.Exists(store.GetDataFilePath(queuedTgz)));
        Assert.NotNull(await store.GetAsync(unfinished.Id));
    }

    private static async Task<string> FinishedUploadAsync(TusUploadStore store)
    {
        var info = await store.CreateAsync("tech", 3, new Dictionary<string, string?> { ["filename"] = "x.pst" });
        Assert.True((await store.AppendAsync(info.Id, 0, new MemoryStream([1, 2, 3]), null)).IsCompleted);
        return info.Id;
    }

    private static async Task ImportRunAsync(CoreHost host, Guid jobId, RunKind kind, RunStatus status, Func<Guid, Task> writeParameters)
    {
        var run = new Run(jobId, kind, RunTrigger.Manual, "tech@test", DateTime.UtcNow);
        await host.WithDbAsync(db =>
        {
            db.Runs.Add(run);
            return Task.CompletedTask;
        });
        await writeParameters(run.Id);
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LigboxDbContext>>().CreateDbContextAsync();
        await db.Runs.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, status));
    }
}
