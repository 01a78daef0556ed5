namespace Ligbox.Console.Components.Pages.Account;

/// <summary>Marker for the account pages' texts (sign-in, password, profile): <c>AccountText.pt.resx</c>.</summary>
public sealed class AccountText;
