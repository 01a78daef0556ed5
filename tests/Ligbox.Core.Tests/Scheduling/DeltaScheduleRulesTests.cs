using Ligbox.Core.Scheduling;

namespace Ligbox.Core.Tests.Scheduling;

public class DeltaScheduleRulesTests
{
    private static readonly DateTime Now = new(2026, 12, 1, 8, 0, 0, DateTimeKind.Utc);

    public static TheoryData<string, int?, string?, string?, string?> Cases => new()
    {
        { "default interval", 6, null, null, null },
        { "nothing given keeps the stored interval", null, null, null, null },
        { "one hour", 1, null, null, null },
        { "one week", 168, null, null, null },
        { "zero hours", 0, null, "everyHours", "between 1 and 168 hours" },
        { "negative hours", -3, null, "everyHours", "between 1 and 168 hours" },
        { "more than a week", 169, null, "everyHours", "between 1 and 168 hours" },
        { "cron with seconds", null, "30 0 */6 * * ?", null, null },
        { "cron every two seconds is under the minimum", null, "0/2 * * * * ?", "cron", "at least 15 min apart (Ligbox:Schedules:MinInterval)" },
        { "cron every second", null, "* * * * * ?", "cron", "fires every 1 s" },
        { "cron irregular, once 5 min apart", null, "0 0,5 * * * ?", "cron", "fires every 5 min" },
        { "cron every 15 minutes is the minimum", null, "0 0/15 * * * ?", null, null },
        { "cron every six hours", null, "0 0 */6 * * ?", null, null },
        { "cron with year", null, "0 30 2 ? * MON-FRI 2030", null, null },
        { "five-field unix cron", null, "0 */6 * * *", "cron", "is not a valid cron expression: it has the 5 fields of Unix cron" },
        { "five-field cron gets its Quartz spelling", null, "30 2 * * MON", "cron", "e.g. \"0 30 2 * * MON\"" },
        { "seven fields with a bad year", null, "0 0 0 * * ? 19999", "cron", "is not a valid cron expression (" },
        { "garbage", null, "every six hours", "cron", "is not a valid cron expression" },
        { "second out of range", null, "61 * * * * ?", "cron", "is not a valid cron expression" },
        { "never fires again", null, "0 0 0 1 1 ? 2020", "cron", "never fires again" },
        { "too long", null, "0 0 0 ? * " + new string('1', 130), "cron", "120 characters or fewer" },
        { "both given", 6, "0 0 */6 * * ?", "cron", "not both" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Validate_AcceptsOrNamesTheField(string name, int? everyHours, string? cron, string? field, string? fragment)
    {
        var errors = DeltaScheduleRules.Validate(everyHours, cron, Now);

        if (field is null)
        {
            Assert.True(errors.Count == 0, $"{name}: {string.Join("; ", errors.SelectMany(e => e.Value))}");
            return;
        }

        Assert.True(errors.ContainsKey(field), $"{name}: errors on {string.Join(", ", errors.Keys)}");
        Assert.Contains(fragment!, string.Join(" ", errors[field]), StringComparison.Ordinal);
        if (field == "cron" && fragment != "not both" && fragment != "120 characters or fewer")
        {
            // Every cron error says how a valid one looks.
            Assert.Contains("0 0 */6 * * ?", string.Join(" ", errors[field]), StringComparison.Ordinal);
        }
    }
}
