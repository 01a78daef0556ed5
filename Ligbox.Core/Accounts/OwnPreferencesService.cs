using Ligbox.Core.Audit;
using Ligbox.Core.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Accounts;

/// <summary>The console's languages: English and Portuguese (European text, served to Brazilian users too).</summary>
public static class UserLanguages
{
    public const string English = "en";
    public const string Portuguese = "pt";

    public static readonly IReadOnlyList<string> All = [English, Portuguese];

    /// <summary>"pt-BR", "PT", "pt_PT" → "pt"; "en-GB" → "en"; anything else → null.</summary>
    public static string? Normalize(string? language)
    {
        if (string.IsNullOrWhiteSpace(language))
        {
            return null;
        }

        var primary = language.Trim().Replace('_', '-').Split('-')[0].ToLowerInvariant();
        return All.Contains(primary) ? primary : null;
    }
}

/// <summary>A signed-in person's own language and time zone (the profile); audited, validated in plain words.</summary>
public sealed class OwnPreferencesService(UserManager<AppUser> users, IDbContextFactory<LigboxDbContext> dbFactory, AuditLog audit)
{
    /// <summary>The language switch: changes the language only, keeping the time zone.</summary>
    public async Task<AppUser> SetLanguageAsync(string userId, string language)
    {
        var user = await users.FindByIdAsync(userId) ?? throw new NotFoundException("User", userId);
        return await SaveAsync(userId, language, user.TimeZoneId);
    }

    /// <summary>Saves both; null or empty means "follow the browser". Throws <see cref="ValidationFailedException"/>.</summary>
    public async Task<AppUser> SaveAsync(string userId, string? language, string? timeZoneId)
    {
        var errors = new Dictionary<string, List<string>>();
        var lang = string.IsNullOrWhiteSpace(language) ? null : UserLanguages.Normalize(language);
        if (!string.IsNullOrWhiteSpace(language) && lang is null)
        {
            errors.Add("language", $"Unknown language \"{language}\": choose one of {string.Join(", ", UserLanguages.All)}.");
        }

        var zone = string.IsNullOrWhiteSpace(timeZoneId) ? null : timeZoneId.Trim();
        if (zone is not null && !UserTimeZones.IsKnown(zone))
        {
            errors.Add("timeZone", $"Unknown time zone \"{timeZoneId}\": use an IANA name such as Europe/Lisbon or America/Sao_Paulo.");
        }

        ValidationFailedException.ThrowIfAny(errors);
        var user = await users.FindByIdAsync(userId) ?? throw new NotFoundException("User", userId);
        if (user.Language == lang && user.TimeZoneId == zone)
        {
            return user;
        }

        user.Language = lang;
        user.TimeZoneId = zone;
        var result = await users.UpdateAsync(user);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("The profile could not be saved: " + string.Join(" ", result.Errors.Select(e => e.Description)));
        }

        await using var db = await dbFactory.CreateDbContextAsync();
        audit.Add(db, user.Email ?? user.UserName ?? userId, "user.preferences_changed", "user", user.Id, new { language = lang, timeZone = zone });
        await db.SaveChangesAsync();
        return user;
    }
}

/// <summary>Time zones by their IANA names (the names browsers report), as .NET on Linux knows them.</summary>
public static class UserTimeZones
{
    public static bool IsKnown(string? id) =>
        !string.IsNullOrWhiteSpace(id) && id.Length <= 64 && TimeZoneInfo.TryFindSystemTimeZoneById(id, out _);

    /// <summary>The zone for <paramref name="id"/>, or UTC when it is empty or unknown.</summary>
    public static TimeZoneInfo FindOrUtc(string? id) =>
        IsKnown(id) && TimeZoneInfo.TryFindSystemTimeZoneById(id!, out var zone) ? zone : TimeZoneInfo.Utc;

    /// <summary>Every IANA zone this machine knows, sorted, for the profile's choice.</summary>
    public static IReadOnlyList<string> All() =>
        TimeZoneInfo.GetSystemTimeZones().Select(z => z.Id).Where(id => id.Contains('/') || id == "UTC").Order(StringComparer.Ordinal).ToList();
}
