namespace Ligbox.Console.Components.Pages.Admin;

/// <summary>Marker for the admin pages' and dialogs' texts (users, API tokens, webhooks, tools, helpdesk): <c>AdminText.pt.resx</c>.</summary>
public sealed class AdminText;
