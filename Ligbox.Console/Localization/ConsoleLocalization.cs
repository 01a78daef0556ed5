using System.Globalization;
using Ligbox.Core.Accounts;
using Microsoft.AspNetCore.Localization;

namespace Ligbox.Console.Localization;

/// <summary>
/// English and Portuguese, the ASP.NET Core way: <c>IStringLocalizer</c> with a resource file per feature
/// (English text is the key; <c>*.pt.resx</c> beside a feature's marker class holds the Portuguese). The culture
/// comes from the signed-in person's profile, else the language switch's cookie, else the browser.
/// </summary>
public static class ConsoleLocalization
{
    /// <summary>"pt" is served as European Portuguese; a Brazilian browser keeps its own formats (same text).</summary>
    public static readonly IReadOnlyList<CultureInfo> Cultures =
        [CultureInfo.GetCultureInfo("en"), CultureInfo.GetCultureInfo("en-US"), CultureInfo.GetCultureInfo("en-GB"),
         CultureInfo.GetCultureInfo("pt"), CultureInfo.GetCultureInfo("pt-PT"), CultureInfo.GetCultureInfo("pt-BR")];

    public static IServiceCollection AddLigboxLocalization(this IServiceCollection services)
    {
        services.AddLocalization();
        services.Configure<RequestLocalizationOptions>(o =>
        {
            o.DefaultRequestCulture = new RequestCulture("en");
            o.SupportedCultures = [.. Cultures];
            o.SupportedUICultures = [.. Cultures];
            o.FallBackToParentCultures = true;
            o.FallBackToParentUICultures = true;
            o.RequestCultureProviders =
            [
                new ProfileCultureProvider(),
                new CookieRequestCultureProvider(),
                new AcceptLanguageHeaderRequestCultureProvider(),
            ];
        });
        return services;
    }

    /// <summary>The culture a language of the profile or the switch stands for: "pt" → pt-PT, "en" → en.</summary>
    public static string CultureOf(string language) => language == UserLanguages.Portuguese ? "pt-PT" : "en";

    /// <summary>The language ("en"/"pt") a culture belongs to.</summary>
    public static string LanguageOf(CultureInfo culture) => UserLanguages.Normalize(culture.Name) ?? UserLanguages.English;

    /// <summary>The cookie the language switch writes (the framework's format), so a signed-out page keeps it too.</summary>
    public static void WriteCookie(HttpResponse response, string language)
    {
        var culture = CultureOf(language);
        response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
            new CookieOptions { MaxAge = TimeSpan.FromDays(365), SameSite = SameSiteMode.Lax, HttpOnly = true, IsEssential = true, Secure = response.HttpContext.Request.IsHttps });
    }

    /// <summary>The language of the signed-in person's profile, carried in their sign-in.</summary>
    private sealed class ProfileCultureProvider : RequestCultureProvider
    {
        public override Task<ProviderCultureResult?> DetermineProviderCultureResult(HttpContext httpContext)
        {
            var language = UserLanguages.Normalize(httpContext.User.FindFirst(LigboxClaimsPrincipalFactory.LanguageClaim)?.Value);
            return Task.FromResult(language is null ? null : new ProviderCultureResult(CultureOf(language)));
        }
    }
}
