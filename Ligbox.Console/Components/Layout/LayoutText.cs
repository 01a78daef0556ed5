namespace Ligbox.Console.Components.Layout;

/// <summary>Marker for the layout's texts (top bar, menu, not-found and error notices): <c>LayoutText.pt.resx</c>.</summary>
public sealed class LayoutText;
