using Ligbox.Core.Runs;

namespace Ligbox.Core.Tests.Runs;

public class RunTests
{
    private static readonly DateTime T0 = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Run_GoesQueuedRunningSucceeded_WithDuration()
    {
        var run = new Run(Guid.NewGuid(), RunKind.Initial, RunTrigger.Manual, "tech", T0);
        Assert.True(run.IsActive);
        run.Start(T0.AddSeconds(1), "/logs/x.log");
        run.Complete(T0.AddSeconds(31), "{}");
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(TimeSpan.FromSeconds(30), run.Duration);
        Assert.False(run.IsActive);
    }

    [Fact]
    public void Complete_Throws_WhenRunNeverStarted()
    {
        var run = new Run(Guid.NewGuid(), RunKind.Delta, RunTrigger.Scheduled, "scheduler", T0);
        Assert.Throws<DomainException>(() => run.Complete(T0, null));
    }

    [Fact]
    public void Cancel_Throws_WhenRunAlreadyFinished()
    {
        var run = new Run(Guid.NewGuid(), RunKind.Delta, RunTrigger.Manual, "tech", T0);
        run.Start(T0, "log");
        run.Fail(T0.AddSeconds(2), "authentication failed");
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Throws<DomainException>(() => run.Cancel(T0, "tech"));
    }

    [Fact]
    public void Interrupted_CanBeStartedAgain_KeepingTheFirstStartTime()
    {
        var run = new Run(Guid.NewGuid(), RunKind.Initial, RunTrigger.Manual, "tech", T0);
        run.Start(T0, "log");
        run.Interrupt("process stopped");
        run.Start(T0.AddMinutes(5), "log");
        Assert.Equal(RunStatus.Running, run.Status);
        Assert.Equal(T0, run.StartedAtUtc);
    }
}
