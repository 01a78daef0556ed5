using System.Globalization;
using System.Resources;
using Ligbox.Core.Accounts;

namespace Ligbox.Core.Reports;

/// <summary>
/// The report's words and formats in one language (the job's, for the PDF; the JSON stays English). The English text
/// is the key; the Portuguese is in <c>ReportText.pt.resx</c> beside this class, read with a <see cref="ResourceManager"/>
/// (Core has no <c>IStringLocalizer</c>). Numbers and dates follow the language: 1,234.5 MB and 2026-12-04 in English
/// (as before), 1.234,5 MB and 04/12/2026 in Portuguese. Times are UTC and say so.
/// </summary>
public sealed class ReportText
{
    private static readonly ResourceManager Resources = new(typeof(ReportText));

    public static readonly ReportText English = new(UserLanguages.English, CultureInfo.InvariantCulture, "yyyy-MM-dd", null);

    /// <summary>Portuguese words with the "pt" culture's numbers (1.234,5: what our customers write; pt-PT's own group separator is a space).</summary>
    public static readonly ReportText Portuguese = new(UserLanguages.Portuguese, CultureInfo.GetCultureInfo("pt"), "dd/MM/yyyy",
        Resources.GetResourceSet(CultureInfo.GetCultureInfo("pt"), createIfNotExists: true, tryParents: false));

    private readonly ResourceSet? _words;

    private ReportText(string language, CultureInfo culture, string dateFormat, ResourceSet? words)
    {
        Language = language;
        Culture = culture;
        DateFormat = dateFormat;
        _words = words;
    }

    /// <summary>The text of a language ("en", "pt", "pt-BR", …); English for anything else.</summary>
    public static ReportText For(string? language) => UserLanguages.Normalize(language) == UserLanguages.Portuguese ? Portuguese : English;

    /// <summary>"en" or "pt".</summary>
    public string Language { get; }

    public CultureInfo Culture { get; }

    public string DateFormat { get; }

    /// <summary>The text in this language (the English key when there is no translation).</summary>
    public string this[string english] => _words?.GetString(english) is { Length: > 0 } translated ? translated : english;

    /// <summary>The text with its values, formatted in this language's culture.</summary>
    public string this[string english, params object?[] args] => string.Format(Culture, this[english], args);

    /// <summary>"1 mailbox" / "1.234 mailboxes": <paramref name="one"/> and <paramref name="many"/> are keys with a {0}.</summary>
    public string Count(long n, string one, string many) => string.Format(Culture, this[n == 1 ? one : many], Num(n));

    public string Num(long n) => n.ToString("N0", Culture);

    public string Num(long? n) => n is { } v ? Num(v) : "–";

    public string Decimal(double d, string format = "N1") => d.ToString(format, Culture);

    public string Date(DateTime d) => d.ToString(DateFormat, CultureInfo.InvariantCulture);

    /// <summary>A table cell's time, in a column whose heading says UTC.</summary>
    public string Time(DateTime? t) => t is { } v ? v.ToString(DateFormat + " HH:mm", CultureInfo.InvariantCulture) : "–";

    /// <summary>A time in a sentence or a fact, with its zone: "04/12/2026 23:30 UTC".</summary>
    public string TimeUtc(DateTime? t) => t is { } ? Time(t) + " UTC" : "–";

    /// <summary>"99.9 %" / "99,9 %"; never rounds up to 100 % while something is missing (99.99 % then).</summary>
    public string Percent(double? ratio)
    {
        if (ratio is not { } r)
        {
            return this["n/a"];
        }

        if (r >= 1)
        {
            return 100.0.ToString("0.0", Culture) + " %";
        }

        var oneDecimal = Math.Floor(r * 1000) / 10;
        return oneDecimal < 100 && r < 0.999
            ? oneDecimal.ToString("0.0", Culture) + " %"
            : Math.Min(99.99, Math.Floor(r * 10000) / 100).ToString("0.00", Culture) + " %";
    }

    /// <summary>"1.5 MB" / "1,5 MB" (binary multiples, as the console shows them).</summary>
    public string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{Num(bytes)} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("N1", Culture) + " KB",
        < 1024L * 1024 * 1024 => (bytes / 1024.0 / 1024).ToString("N1", Culture) + " MB",
        _ => (bytes / 1024.0 / 1024 / 1024).ToString("N2", Culture) + " GB",
    };

    /// <summary>"a, b and c" / "a, b e c".</summary>
    public string Join(IReadOnlyList<string> parts) =>
        parts.Count == 1 ? parts[0] : string.Join(", ", parts.Take(parts.Count - 1)) + this[" and "] + parts[^1];

    /// <summary>A run's kind in words: "Initial sync", "PST/mbox import".</summary>
    public string RunWord(Runs.RunKind kind) => kind switch
    {
        Runs.RunKind.Preflight => this["Pre-flight"],
        Runs.RunKind.Initial => this["Initial sync"],
        Runs.RunKind.Delta => this["Delta sync"],
        Runs.RunKind.Final => this["Final sync"],
        Runs.RunKind.Pst => this["PST/mbox import"],
        Runs.RunKind.Tgz => this["TGZ import"],
        Runs.RunKind.Verify => this["Verification"],
        _ => kind.ToString(),
    };

    /// <summary>A run's status in words (as <see cref="Runs.Run.Describe"/> says it in English).</summary>
    public string Status(Runs.RunStatus status) => status switch
    {
        Runs.RunStatus.Queued => this["Queued"],
        Runs.RunStatus.Running => this["Running"],
        Runs.RunStatus.Succeeded => this["Succeeded"],
        Runs.RunStatus.Failed => this["Failed"],
        Runs.RunStatus.Cancelled => this["Cancelled"],
        Runs.RunStatus.Interrupted => this["Interrupted"],
        Runs.RunStatus.Resuming => this["Waiting to resume"],
        _ => status.ToString(),
    };

    /// <summary>
    /// A gate reason (GateCalculator writes them in English, with English numbers) in this language, for the PDF: each
    /// known sentence is matched and said again with the language's words and numbers; an unknown one stays as written.
    /// </summary>
    public string GateReason(string reason)
    {
        if (_words is null)
        {
            return reason;
        }

        foreach (var (pattern, key) in GateReasons)
        {
            var m = pattern.Match(reason);
            if (m.Success)
            {
                var args = m.Groups.Cast<System.Text.RegularExpressions.Group>().Skip(1)
                    .Select(g => g.Name.StartsWith('n') ? EnglishNumber(g.Value) : (object)g.Value).ToArray();
                return this[key, args];
            }
        }

        return reason;
    }

    /// <summary>"1,234" → "1.234", "99.5%" → "99,5 %" in this language.</summary>
    private string EnglishNumber(string text)
    {
        var percent = text.EndsWith('%');
        var number = text.TrimEnd('%', ' ');
        if (!double.TryParse(number, NumberStyles.Number, CultureInfo.InvariantCulture, out var value))
        {
            return text;
        }

        var decimals = number.Contains('.') ? number.Length - number.IndexOf('.') - 1 : 0;
        var formatted = value.ToString("N" + decimals, Culture);
        return percent ? formatted + " %" : formatted;
    }

    private static readonly (System.Text.RegularExpressions.Regex Pattern, string Key)[] GateReasons =
    [
        (Reason(@"^No final sync has completed yet\.$"), "No final sync has completed yet."),
        (Reason(@"^A run is still queued or running; the counts may change\.$"), "A run is still queued or running; the counts may change."),
        (Reason(@"^The job has no mailboxes\.$"), "The job has no mailboxes."),
        (Reason(@"^(?<a>\S+): the mailbox failed \((?<b>.*)\)\.$"), "{0}: the mailbox failed ({1})."),
        (Reason(@"^(?<a>\S+): the mailbox failed\.$"), "{0}: the mailbox failed."),
        (Reason(@"^(?<a>\S+): no final sync of this mailbox has completed yet\.$"), "{0}: no final sync of this mailbox has completed yet."),
        (Reason(@"^(?<a>\S+): no verified message counts yet\.$"), "{0}: no verified message counts yet."),
        (Reason(@"^(?<a>\S+): (?<n1>[\d,]+) of (?<n2>[\d,]+) messages \((?<n3>[\d.]+%)\) — below the (?<n4>[\d.]+%) threshold\.$"),
            "{0}: {1} of {2} messages ({3}) — below the {4} threshold."),
        (Reason(@"^(?<a>\S+): verified (?<n1>[\d.,]+) h ago — older than the (?<n2>[\d.,]+) h limit\.$"), "{0}: verified {1} h ago — older than the {2} h limit."),
        (Reason(@"^(?<a>\S+): (?<n1>[\d,]+) named message\(s\) missing on the destination \((?<n2>[\d.]+%) present\)\.$"),
            "{0}: {1} named message(s) missing on the destination ({2} present)."),
        (Reason(@"^(?<n1>[\d,]+) of (?<n2>[\d,]+) messages \((?<n3>[\d.]+%)\), at or above the (?<n4>[\d.]+%) threshold, with no named message missing\.$"),
            "{0} of {1} messages ({2}), at or above the {3} threshold, with no named message missing."),
        (Reason(@"^All (?<n1>[\d,]+) messages are on the destination\.$"), "All {0} messages are on the destination."),
        (Reason(@"^(?<a>\S+) is excluded from the job \((?<b>.*)\) and not counted; approving needs the explicit acceptance of the excluded mailboxes\.$"),
            "{0} is excluded from the job ({1}) and not counted; approving needs the explicit acceptance of the excluded mailboxes."),
        (Reason(@"^(?<a>\S+) is excluded from the job and not counted; approving needs the explicit acceptance of the excluded mailboxes\.$"),
            "{0} is excluded from the job and not counted; approving needs the explicit acceptance of the excluded mailboxes."),
    ];

    private static System.Text.RegularExpressions.Regex Reason(string pattern) =>
        new(pattern, System.Text.RegularExpressions.RegexOptions.CultureInvariant | System.Text.RegularExpressions.RegexOptions.ExplicitCapture);

    /// <summary>A duration in words: "45 s", "3 min 20 s", "2 h 5 min".</summary>
    public string Duration(double? seconds) => seconds switch
    {
        null => "",
        < 60 => $"{seconds.Value.ToString("0", Culture)} s",
        < 3600 => $"{(int)(seconds.Value / 60)} min {(int)(seconds.Value % 60)} s",
        _ => $"{(int)(seconds.Value / 3600)} h {(int)(seconds.Value % 3600 / 60)} min",
    };
}
