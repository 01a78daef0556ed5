namespace Ligbox.Console.Components.Pages.Dashboard;

/// <summary>Marker for the overview dashboard's texts: <c>DashboardText.pt.resx</c>.</summary>
public sealed class DashboardText;
