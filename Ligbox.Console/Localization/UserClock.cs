using System.Globalization;
using Ligbox.Core.Accounts;

namespace Ligbox.Console.Localization;

/// <summary>
/// Every date a person sees, in their time zone (profile, else the browser's, else UTC) and their culture's format.
/// Cascaded from <c>Routes</c>; the API and exports stay in UTC.
/// </summary>
public sealed class UserClock
{
    /// <summary>The cookie timezone.js writes with the browser's IANA zone.</summary>
    public const string BrowserZoneCookie = "ligbox.tz";

    public static readonly UserClock Utc = new(null);

    public UserClock(string? timeZoneId)
    {
        Zone = UserTimeZones.FindOrUtc(timeZoneId);
    }

    public TimeZoneInfo Zone { get; }

    /// <summary>The zone's IANA name ("Europe/Lisbon"), "UTC" for UTC.</summary>
    public string ZoneId => Zone == TimeZoneInfo.Utc ? "UTC" : Zone.Id;

    /// <summary>The zone for a request: the profile's (a claim of the sign-in), else the browser's cookie.</summary>
    public static string? ZoneIdFor(HttpContext context)
    {
        var profile = context.User.FindFirst(LigboxClaimsPrincipalFactory.TimeZoneClaim)?.Value;
        if (UserTimeZones.IsKnown(profile))
        {
            return profile;
        }

        var browser = context.Request.Cookies[BrowserZoneCookie];
        return UserTimeZones.IsKnown(browser) ? browser : null;
    }

    /// <summary>A stored instant (UTC, whatever its Kind says) as the person's local time.</summary>
    public DateTime ToLocal(DateTime utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), Zone);

    public DateTime ToLocal(DateTimeOffset instant) => ToLocal(instant.UtcDateTime);

    /// <summary>
    /// "g" (short date and time) by default, in the current culture: 03/12/2026 20:30 in Portuguese,
    /// 12/3/2026 8:30 PM in English (United States), 03/12/2026 20:30 in English (Great Britain).
    /// </summary>
    public string Format(DateTime utc, string format = "g") => ToLocal(utc).ToString(format, CultureInfo.CurrentCulture);

    /// <summary>The zone's short name for labels: "Lisbon time (UTC+00:00)" style is too long; the offset is enough.</summary>
    public string OffsetLabel(DateTime utc)
    {
        if (Zone == TimeZoneInfo.Utc)
        {
            return "UTC";
        }

        var offset = Zone.GetUtcOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
        return offset == TimeSpan.Zero ? "UTC" : $"UTC{(offset < TimeSpan.Zero ? "-" : "+")}{offset:hh\\:mm}";
    }
}
