namespace Ligbox.Console.Components.Pages.Jobs.Components;

/// <summary>Marker for the OAuth 2.0 panel's texts (settings, Authorize, device sign-in): <c>OAuthText.pt.resx</c>.</summary>
public sealed class OAuthText;
