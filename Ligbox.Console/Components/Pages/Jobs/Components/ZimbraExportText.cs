namespace Ligbox.Console.Components.Pages.Jobs.Components;

/// <summary>Marker for the texts of "Export all" from Zimbra: <c>ZimbraExportText.pt.resx</c>.</summary>
public sealed class ZimbraExportText;
