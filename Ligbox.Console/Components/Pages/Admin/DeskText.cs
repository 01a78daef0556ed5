namespace Ligbox.Console.Components.Pages.Admin;

/// <summary>Marker for the helpdesk (Desk) admin page's texts: <c>DeskText.pt.resx</c>.</summary>
public sealed class DeskText;
