using Quartz;

namespace Ligbox.Core.Scheduling;

/// <summary>Validation of a schedule setting: a pure function of its input and the time, table-tested.</summary>
public static class DeltaScheduleRules
{
    public const int MaxCronLength = 120;

    /// <summary>The shortest time allowed between two scheduled passes unless configured (<c>Ligbox:Schedules:MinInterval</c>).</summary>
    public static readonly TimeSpan DefaultMinInterval = TimeSpan.FromMinutes(15);

    /// <summary>Errors per field (<c>everyHours</c>, <c>cron</c>); empty when the setting is valid.</summary>
    public static Dictionary<string, List<string>> Validate(int? everyHours, string? cron, DateTime nowUtc, TimeSpan? minInterval = null)
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
            else if (ShortestGap(text, nowUtc) is { } gap && gap < (minInterval ?? DefaultMinInterval))
            {
                // Each pass logs in to the customer's servers: "* * * * * ?" would do that every second.
                var min = minInterval ?? DefaultMinInterval;
                errors.Add("cron", $"\"{text}\" fires every {Describe(gap)}; scheduled passes must be at least {Describe(min)} apart (Ligbox:Schedules:MinInterval), e.g. \"0 0 */6 * * ?\" for every 6 hours (UTC).");
            }
        }

        return errors;
    }

    /// <summary>The shortest gap between the next 200 fire times (a cron can be irregular, e.g. "0 0,5 * * * ?").</summary>
    private static TimeSpan? ShortestGap(string cron, DateTime nowUtc)
    {
        var expression = new CronExpression(cron, TimeZoneInfo.Utc);
        var previous = expression.GetNextValidTimeAfter(new DateTimeOffset(nowUtc, TimeSpan.Zero));
        TimeSpan? shortest = null;
        for (var i = 0; i < 200 && previous is { } from; i++)
        {
            var next = expression.GetNextValidTimeAfter(from);
            if (next is null)
            {
                break;
            }

            var gap = next.Value - from;
            shortest = shortest is null || gap < shortest ? gap : shortest;
            previous = next;
        }

        return shortest;
    }

    private static string Describe(TimeSpan span) =>
        span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#} min" : $"{span.TotalSeconds:0.#} s";

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
