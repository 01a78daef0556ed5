using System.Globalization;

namespace Ligbox.Core.Localization;

/// <summary>
/// The culture of whoever made this (a page's circuit subscribing to changes), to call back in it later from another
/// thread: what the page then renders is in its reader's language and formats, not in those of the thread that tells it.
/// </summary>
public sealed class CallerCulture
{
    private readonly CultureInfo _culture = CultureInfo.CurrentCulture;
    private readonly CultureInfo _uiCulture = CultureInfo.CurrentUICulture;

    /// <summary>Runs <paramref name="call"/> in the caller's culture; set in this call only (the current thread's stays as it was).</summary>
    public async Task InvokeAsync(Func<Task> call)
    {
        CultureInfo.CurrentCulture = _culture;
        CultureInfo.CurrentUICulture = _uiCulture;
        await call();
    }
}
