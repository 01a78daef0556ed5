using System.Runtime.CompilerServices;
using Bunit;
using Ligbox.Console.Components.Pages.Jobs;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Runs;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Console.Tests.Components.Pages.Jobs;

/// <summary>A host of its own (its notifiers count only this class's pages) with one job of three mailboxes.</summary>
public sealed class JobPageLeakData : LigboxAppFactory
{
    public Guid JobId { get; private set; }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await using var scope = Services.CreateAsyncScope();
        var job = await scope.ServiceProvider.GetRequiredService<JobService>().CreateAsync(new CreateJobRequest
        {
            Domain = "leak-bunit.example",
            Source = new() { Host = "imap.old.example" },
            Destination = new() { Host = "imap.new.example" },
        }, AdminEmail);
        JobId = job.Id;
        var mailboxes = scope.ServiceProvider.GetRequiredService<MailboxService>();
        foreach (var name in new[] { "ann", "bob", "cid" })
        {
            await mailboxes.AddAsync(JobId, new AddMailboxRequest
            {
                SourceUser = $"{name}@leak-bunit.example", SourcePassword = "x", DestUser = $"{name}@new.example", DestPassword = "y",
            }, AdminEmail);
        }
    }
}

/// <summary>
/// A closed job page leaves nothing behind: the job and run notifiers (singletons) hold no handler of it, and the page
/// itself is collected. A page that forgot to drop a subscription stays reachable from the singleton (with its whole
/// render tree and the circuit's services), and this test fails.
/// </summary>
public class JobPageLeakTests(JobPageLeakData app) : IClassFixture<JobPageLeakData>
{
    private const int Opens = 5;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task OpeningAndClosingTheJobPage_LeavesNoSubscriberAndNoPageBehind()
    {
        var jobChanges = app.Services.GetRequiredService<JobChangeNotifier>();
        var runProgress = app.Services.GetRequiredService<RunProgressNotifier>();
        var jobBaseline = jobChanges.SubscriberCount;
        var runBaseline = runProgress.SubscriberCount;
        var pages = new List<WeakReference>();
        for (var i = 0; i < Opens; i++)
        {
            var (page, jobSubscribers, runSubscribers) = await OpenAndCloseAsync();
            pages.Add(page);
            // While it was open it did listen (the page and its runs panel): the counts below are not trivially equal.
            Assert.True(jobSubscribers > jobBaseline, $"the open page had {jobSubscribers} job subscriber(s), baseline {jobBaseline}");
            Assert.True(runSubscribers > runBaseline, $"the open page had {runSubscribers} run subscriber(s), baseline {runBaseline}");
        }

        Assert.Equal(jobBaseline, jobChanges.SubscriberCount);
        Assert.Equal(runBaseline, runProgress.SubscriberCount);
        for (var attempt = 0; attempt < 20 && pages.Any(p => p.IsAlive); attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            await Task.Delay(100);
        }

        Assert.Equal(0, pages.Count(p => p.IsAlive));
    }

    /// <summary>Renders the page until it is live (summary, runs panel, gate), closes it; returns only a weak reference to it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private async Task<(WeakReference Page, int JobSubscribers, int RunSubscribers)> OpenAndCloseAsync()
    {
        var ctx = new PageTestContext(app);
        try
        {
            var host = ctx.Render(builder =>
            {
                builder.OpenComponent<MudBlazor.MudPopoverProvider>(0);
                builder.CloseComponent();
                builder.OpenComponent<JobDetailPage>(1);
                builder.AddAttribute(2, nameof(JobDetailPage.Id), app.JobId);
                builder.CloseComponent();
            });
            var cut = host.FindComponent<JobDetailPage>();
            cut.WaitForAssertion(() =>
            {
                Assert.NotNull(cut.Find("[data-testid=job-summary]"));
                Assert.NotNull(cut.Find("[data-testid=gate-ratio]"));
                Assert.Equal(3, cut.FindAll("[data-testid=mailbox-source]").Count);
            }, Patience);
            return (new WeakReference(cut.Instance), app.Services.GetRequiredService<JobChangeNotifier>().SubscriberCount,
                app.Services.GetRequiredService<RunProgressNotifier>().SubscriberCount);
        }
        finally
        {
            await ctx.DisposeAsync();
        }
    }
}
