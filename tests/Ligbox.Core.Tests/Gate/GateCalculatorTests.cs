using Ligbox.Core.Gate;

namespace Ligbox.Core.Tests.Gate;

public class GateCalculatorTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);
    private static readonly GateMissingMessage Lost = new("ana@example.com", "INBOX", "<a1@example.com>", "Invoice 42", null);

    private static GateMailboxInput Box(string login, long source, long dest, double hoursAgo = 1, bool failed = false, bool withMissing = false) =>
        new(login, source, dest, Now.AddHours(-hoursAgo), failed, failed ? "auth refused" : null, source * 1000, dest * 1000,
            withMissing ? [Lost] : null);

    private static GateResult Calc(bool finalDone = true, bool active = false, params GateMailboxInput[] boxes) =>
        GateCalculator.Calculate(new GateInput(0.99, TimeSpan.FromHours(24), Now, finalDone, active, boxes));

    public static TheoryData<string, GateMailboxInput[], bool, bool, GateGrade, string> Cases => new()
    {
        { "everything there", [Box("ana@example.com", 10_000, 10_000), Box("bo@example.com", 0, 0)], true, false, GateGrade.Perfect, "All 10,000 messages" },
        { "more on destination", [Box("ana@example.com", 100, 101)], true, false, GateGrade.Perfect, "All 100 messages" },
        { "99.5%, none named", [Box("ana@example.com", 10_000, 9_950)], true, false, GateGrade.Good, "9,950 of 10,000 messages (99.5%), at or above the 99% threshold" },
        { "exactly 99%", [Box("ana@example.com", 100, 99)], true, false, GateGrade.Good, "(99%)" },
        { "99.5% with a named missing message", [Box("ana@example.com", 10_000, 9_950, withMissing: true)], true, false, GateGrade.Investigate, "ana@example.com: 1 named message(s) missing" },
        { "complete count but a named missing one", [Box("ana@example.com", 10, 10, withMissing: true)], true, false, GateGrade.Investigate, "missing on the destination (100% present)" },
        { "below threshold", [Box("ana@example.com", 10_000, 9_850)], true, false, GateGrade.Blocked, "ana@example.com: 9,850 of 10,000 messages (98.5%) — below the 99% threshold" },
        { "98.999% is not rounded up", [Box("ana@example.com", 100_000, 98_999)], true, false, GateGrade.Blocked, "(98.99%) — below the 99% threshold" },
        { "failed mailbox", [Box("ana@example.com", 10, 10, failed: true)], true, false, GateGrade.Blocked, "ana@example.com: the mailbox failed (auth refused)." },
        { "no final sync", [Box("ana@example.com", 10, 10)], false, false, GateGrade.Blocked, "No final sync has completed yet." },
        { "run active", [Box("ana@example.com", 10, 10)], true, true, GateGrade.Blocked, "A run is still queued or running" },
        { "stale verification", [Box("ana@example.com", 10, 10, hoursAgo: 30)], true, false, GateGrade.Blocked, "ana@example.com: verified 30 h ago — older than the 24 h limit." },
        { "no mailboxes", [], true, false, GateGrade.Blocked, "The job has no mailboxes." },
        { "one bad mailbox blocks the job", [Box("ana@example.com", 10, 10), Box("bo@example.com", 100, 50)], true, false, GateGrade.Blocked, "bo@example.com: 50 of 100 messages (50%)" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradesTheJob(string because, GateMailboxInput[] boxes, bool finalDone, bool active, GateGrade expected, string reason)
    {
        var result = Calc(finalDone, active, boxes);

        Assert.True(expected == result.Grade, $"{because}: expected {expected}, got {result.Grade} ({string.Join(" | ", result.Reasons)})");
        Assert.Contains(result.Reasons, r => r.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void MailboxWithoutCounts_IsBlocked()
    {
        var result = Calc(true, false, new GateMailboxInput("ana@example.com", null, null, null));

        Assert.Equal(GateGrade.Blocked, result.Grade);
        Assert.Null(result.Ratio);
        Assert.Contains("ana@example.com: no verified message counts yet.", result.Reasons);
    }

    [Fact]
    public void ListsEveryReason_WhenSeveralHold()
    {
        var result = Calc(false, true, Box("ana@example.com", 100, 50, hoursAgo: 48, failed: true));

        Assert.Equal(5, result.Reasons.Count);
    }

    [Theory]
    [InlineData(10_000, 9_850, 0.985)]
    [InlineData(0, 0, 1.0)]
    [InlineData(200, 100, 0.5)]
    public void ComputesJobRatio_AndBytesRatio(long source, long dest, double ratio)
    {
        var result = Calc(true, false, Box("ana@example.com", source, dest));

        Assert.Equal(ratio, result.Ratio!.Value, 6);
        Assert.Equal(ratio, result.BytesRatio!.Value, 6);
        Assert.Equal(ratio, result.Mailboxes[0].Ratio!.Value, 6);
    }
}
