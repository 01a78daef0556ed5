using Ligbox.Core.Jobs;

namespace Ligbox.Core.Tests.Jobs;

public class MigrationJobTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

    private static MigrationJob NewJob() => new("Example.COM.", "", "T-1", new ServerEndpoint { Host = "old.example.com" },
        new ServerEndpoint { Host = "new.example.com" }, SyncEngineKind.Native, new JobOptions(), "tech@test", Now);

    [Fact]
    public void NewJob_IsDraftWithNormalizedDomain_WhenCreated()
    {
        var job = NewJob();
        Assert.Equal(MigrationPhase.Draft, job.Phase);
        Assert.Equal("example.com", job.Domain);
        Assert.Equal("example.com", job.Name);
    }

    [Theory]
    [InlineData(MigrationPhase.Draft, MigrationPhase.Preflight, true)]
    [InlineData(MigrationPhase.Draft, MigrationPhase.Syncing, true)]
    [InlineData(MigrationPhase.Draft, MigrationPhase.FinalSync, false)]
    [InlineData(MigrationPhase.Draft, MigrationPhase.GateReady, false)]
    [InlineData(MigrationPhase.Draft, MigrationPhase.GateApproved, false)]
    [InlineData(MigrationPhase.Syncing, MigrationPhase.FinalSync, true)]
    [InlineData(MigrationPhase.FinalSync, MigrationPhase.GateReady, true)]
    [InlineData(MigrationPhase.GateReady, MigrationPhase.GateApproved, true)]
    [InlineData(MigrationPhase.GateApproved, MigrationPhase.GateReady, true)]
    [InlineData(MigrationPhase.GateApproved, MigrationPhase.Completed, true)]
    [InlineData(MigrationPhase.Syncing, MigrationPhase.Completed, false)]
    [InlineData(MigrationPhase.Cancelled, MigrationPhase.Syncing, false)]
    [InlineData(MigrationPhase.Completed, MigrationPhase.Cancelled, false)]
    [InlineData(MigrationPhase.Syncing, MigrationPhase.Failed, true)]
    [InlineData(MigrationPhase.Failed, MigrationPhase.Syncing, true)]
    [InlineData(MigrationPhase.GateApproved, MigrationPhase.FinalSync, true)]
    [InlineData(MigrationPhase.GateApproved, MigrationPhase.Syncing, true)]
    public void CanMoveTo_FollowsTheLifeCycle(MigrationPhase from, MigrationPhase to, bool allowed) =>
        Assert.Equal(allowed, MigrationJob.CanMoveTo(from, to));

    [Fact]
    public void MoveTo_ThrowsDomainException_WhenSkippingToTheGate()
    {
        var job = NewJob();
        var ex = Assert.Throws<DomainException>(() => job.MoveTo(MigrationPhase.GateApproved, Now));
        Assert.Contains("Draft", ex.Message);
        Assert.Equal(MigrationPhase.Draft, job.Phase);
    }

    [Fact]
    public void Update_IsAllowedAfterDraft_AndRefusedOnceClosed()
    {
        // Issue 11: settings stay editable after Draft (the service refuses while a run is active).
        var job = NewJob();
        job.MoveTo(MigrationPhase.Preflight, Now);
        job.Update("x", null, null, null, SyncEngineKind.Imapsync, null, Now);
        Assert.Equal(SyncEngineKind.Imapsync, job.Engine);

        job.Cancel("test", Now);
        var ex = Assert.Throws<DomainException>(() => job.Update("y", null, null, null, null, null, Now));
        Assert.Contains("Cancelled", ex.Message);
    }

    [Fact]
    public void Cancel_KeepsMailboxesAndRefusesChanges_WhenCancelled()
    {
        var job = NewJob();
        job.AddMailbox("Ana@Example.com", "p1", "ana@example.com", "p2", null, Now);
        job.Cancel("customer postponed", Now);
        Assert.Equal(MigrationPhase.Cancelled, job.Phase);
        Assert.Single(job.Mailboxes);
        Assert.Throws<DomainException>(() => job.Cancel("again", Now));
        Assert.Throws<DomainException>(() => job.AddMailbox("bob@example.com", "p", "bob@example.com", "p", null, Now));
        Assert.Throws<DomainException>(() => job.MoveTo(MigrationPhase.Syncing, Now));
    }

    [Fact]
    public void AddMailbox_ThrowsDuplicate_WhenSourceLoginDiffersOnlyInCase()
    {
        var job = NewJob();
        job.AddMailbox("ana@example.com", "p1", "ana@example.com", "p2", null, Now);
        Assert.Throws<DuplicateMailboxException>(() => job.AddMailbox(" ANA@example.com ", "p1", "x@example.com", "p2", null, Now));
    }
}
