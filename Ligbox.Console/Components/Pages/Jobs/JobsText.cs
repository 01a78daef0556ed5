namespace Ligbox.Console.Components.Pages.Jobs;

/// <summary>Marker for the job pages' texts (list, create form, job page and their dialogs): <c>JobsText.pt.resx</c>.</summary>
public sealed class JobsText;
