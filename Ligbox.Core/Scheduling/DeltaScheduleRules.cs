using Quartz;

namespace Ligbox.Core.Scheduling;

/// <summary>Validation of a schedule setting: a pure function of its input and the time, table-tested.</summary>
public static class DeltaScheduleRules
{
    public const int MaxCronLength = 120;

    /// <summary>Errors per field (<c>everyHours</c>, <c>cron</c>); empty when the setting is valid.</summary>
    public static Dictionary<string, List<string>> Validate(int? everyHours, string? cron, DateTime nowUtc)
    {
        var errors = new Dictionary<string, List<string>>();
        var hasCron = !string.IsNullOrWhiteSpace(cron);
        if (hasCron && everyHours is not null)
        {
            errors.Add("cron", "Give either everyHours or a cron expression, not both.");
            return errors;
        }

        if (everyHours is { } h && h is < DeltaSchedule.MinEveryHours or > DeltaSchedule.MaxEveryHours)
        {
            errors.Add("everyHours", $"The interval must be between {DeltaSchedule.MinEveryHours} and {DeltaSchedule.MaxEveryHours} hours (one week).");
        }

        if (hasCron)
        {
            var text = cron!.Trim();
            if (text.Length > MaxCronLength)
            {
                errors.Add("cron", $"The cron expression must be {MaxCronLength} characters or fewer.");
            }
            else if (CronError(text, nowUtc) is { } error)
            {
                errors.Add("cron", error);
            }
        }

        return errors;
    }

    private static string? CronError(string cron, DateTime nowUtc)
    {
        const string Help = "Quartz cron has 6 or 7 fields, seconds first: sec min hour day month weekday [year], "
            + "with ? in one of the day fields, e.g. \"0 0 */6 * * ?\" for every 6 hours (UTC).";
        var fields = cron.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 5)
        {
            // The Unix crontab form is the common mistake: say so, with the Quartz spelling of the same thing.
            var suggestion = "0 " + string.Join(' ', fields[..4]) + " " + (fields[2] == "*" && fields[4] == "*" ? "?" : fields[4]);
            return $"\"{cron}\" is not a valid cron expression: it has the 5 fields of Unix cron. Add a seconds field first, e.g. \"{suggestion}\". {Help}";
        }

        if (fields.Length is < 6 or > 7)
        {
            return $"\"{cron}\" is not a valid cron expression: it has {fields.Length} field(s). {Help}";
        }

        try
        {
            var expression = new CronExpression(cron, TimeZoneInfo.Utc);
            return expression.GetNextValidTimeAfter(new DateTimeOffset(nowUtc, TimeSpan.Zero)) is null
                ? $"\"{cron}\" never fires again. {Help}"
                : null;
        }
        catch (FormatException ex)
        {
            // Quartz's own explanation, first sentence only (the rest is advice for programmers).
            var reason = ex.Message.Split(". ", 2)[0].TrimEnd('.');
            return $"\"{cron}\" is not a valid cron expression ({reason}). {Help}";
        }
    }

    private static void Add(this Dictionary<string, List<string>> errors, string field, string message)
    {
        if (!errors.TryGetValue(field, out var list))
        {
            errors[field] = list = [];
        }

        list.Add(message);
    }
}
