namespace Ligbox.Console.Endpoints;

/// <summary>
/// Marker for the API's problem-details texts (<c>ApiText.pt.resx</c>): a problem's <c>detail</c> follows Accept-Language;
/// its <c>type</c>, <c>title</c> and the field names of <c>errors</c> stay English and stable.
/// </summary>
public sealed class ApiText;
