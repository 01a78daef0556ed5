namespace Ligbox.Console.Components.Pages.Admin;

/// <summary>Marker for the Nodes page's texts (issue 17): <c>NodesText.pt.resx</c>.</summary>
public sealed class NodesText;
