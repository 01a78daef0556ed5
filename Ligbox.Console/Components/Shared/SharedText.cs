namespace Ligbox.Console.Components.Shared;

/// <summary>Marker for the shared components' texts (phase chip, confirm dialog, progress figure, gate states): <c>SharedText.pt.resx</c>.</summary>
public sealed class SharedText;
