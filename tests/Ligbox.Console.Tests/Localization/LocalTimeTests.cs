using System.Globalization;
using Bunit;
using Ligbox.Console.Components.Shared;
using Ligbox.Console.Localization;
using Microsoft.AspNetCore.Components;

namespace Ligbox.Console.Tests.Localization;

/// <summary>Dates in the person's time zone and culture (issue 16); the UTC instant stays in the markup.</summary>
public class LocalTimeTests : BunitContext
{
    // 23:30 UTC on a summer day: already the next day in Lisbon (UTC+1), still the same day in São Paulo (UTC-3).
    private static readonly DateTime RunStarted = new(2026, 7, 14, 23, 30, 0, DateTimeKind.Utc);

    private string Render(string? zone, string culture, DateTime? utc = null)
    {
        var before = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
        try
        {
            var cut = Render<CascadingValue<UserClock>>(p => p
                .Add(c => c.Value, new UserClock(zone))
                .Add(c => c.IsFixed, true)
                .AddChildContent<LocalTime>(t => t.Add(x => x.Utc, utc ?? RunStarted).Add(x => x.TestId, "t")));
            return cut.Find("[data-testid=t]").OuterHtml;
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = before;
        }
    }

    [Fact]
    public void ARunAt2330Utc_IsOnTheNextDayInLisbon_AndTheSameDayInSaoPaulo()
    {
        Assert.Contains(">15/07/2026 00:30<", Render("Europe/Lisbon", "pt-PT"));
        Assert.Contains(">14/07/2026 20:30<", Render("America/Sao_Paulo", "pt-BR"));
    }

    [Fact]
    public void TheUtcInstant_StaysInTheMarkup()
    {
        var html = Render("America/Sao_Paulo", "pt-PT");
        Assert.Contains("datetime=\"2026-07-14T23:30:00Z\"", html);
        Assert.Contains("title=\"2026-07-14 23:30:00 UTC\"", html);
    }

    [Fact]
    public void WithoutAZone_ItIsUtc_InTheCulturesFormat()
    {
        // ICU puts a narrow no-break space before "PM".
        Assert.Matches(">7/14/2026 11:30\\WPM<", Render(null, "en-US"));
        Assert.Contains(">14/07/2026 23:30<", Render("Not/AZone", "pt-PT"));
    }

    [Fact]
    public void AnUnspecifiedKind_FromTheDatabase_IsReadAsUtc()
    {
        var stored = DateTime.SpecifyKind(RunStarted, DateTimeKind.Unspecified);
        Assert.Contains(">14/07/2026 20:30<", Render("America/Sao_Paulo", "pt-PT", stored));
    }

    [Fact]
    public void ZoneIdFor_PrefersTheProfile_ThenTheBrowser()
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Headers.Cookie = "ligbox.tz=America/Sao_Paulo";
        Assert.Equal("America/Sao_Paulo", UserClock.ZoneIdFor(context));
        context.User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new System.Security.Claims.Claim(Core.Accounts.LigboxClaimsPrincipalFactory.TimeZoneClaim, "Europe/Lisbon")], "test"));
        Assert.Equal("Europe/Lisbon", UserClock.ZoneIdFor(context));
        context.Request.Headers.Cookie = "ligbox.tz=%3Cscript%3E";
        context.User = new System.Security.Claims.ClaimsPrincipal();
        Assert.Null(UserClock.ZoneIdFor(context));
    }
}
