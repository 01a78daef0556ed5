using System.Text.RegularExpressions;

namespace Ligbox.Core.Runs;

/// <summary>How serious a log line is, derived from its words (the log file itself is plain text).</summary>
public enum RunLogLevel
{
    Info,
    Warning,
    Error,
}

/// <summary>
/// One line of a run's log as written (<c>yyyy-MM-dd HH:mm:ss [mailbox] message</c>), with its place in
/// the run (<see cref="Seq"/>, 1-based, the same for every subscriber) and what can be read from it.
/// </summary>
public sealed partial record RunLogLine(long Seq, string Text, RunLogLevel Level, string? Mailbox)
{
    public static RunLogLine From(long seq, string text)
    {
        var match = Shape().Match(text);
        var mailbox = match.Success && match.Groups["mailbox"].Success ? match.Groups["mailbox"].Value : null;
        var message = match.Success ? match.Groups["message"].Value : text;
        return new RunLogLine(seq, text, LevelOf(message), mailbox);
    }

    /// <summary>
    /// Errors name a failure; warnings something a technician should look at but that did not stop the
    /// pass (retries, cancellations, messages still missing, per-message errors). "0 errors" is not one.
    /// </summary>
    public static RunLogLevel LevelOf(string message) =>
        ErrorWords().IsMatch(message) ? RunLogLevel.Error
        : WarningWords().IsMatch(message) || CountedErrors().IsMatch(message) || MissingCount().IsMatch(message) ? RunLogLevel.Warning
        : RunLogLevel.Info;

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} (?:\[(?<mailbox>[^\]]+)\] )?(?<message>.*)$")]
    private static partial Regex Shape();

    [GeneratedRegex(@"\b(?:fail(?:ed|ure|s)?|unexpected error|refused|does not resolve|did not answer|over quota|rejected|not found|was lost)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ErrorWords();

    [GeneratedRegex(@"\b(?:warning|cancell?ed|interrupted|reconnecting|retry|retrying|skipped|quarantined?|not expunged|not on the destination yet|stopping)\b", RegexOptions.IgnoreCase)]
    private static partial Regex WarningWords();

    [GeneratedRegex(@"\b[1-9]\d* errors?\b", RegexOptions.IgnoreCase)]
    private static partial Regex CountedErrors();

    [GeneratedRegex(@"\b(?:[1-9]\d*) messages? missing\b|missing on the destination: [1-9]", RegexOptions.IgnoreCase)]
    private static partial Regex MissingCount();
}
