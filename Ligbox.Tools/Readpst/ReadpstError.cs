namespace Ligbox.Tools.Readpst;

/// <summary>Why readpst failed, classified from its output.</summary>
public enum ReadpstErrorKind
{
    /// <summary>No error.</summary>
    None,

    /// <summary>The file is missing, unreadable or not a PST ("Error opening File").</summary>
    CannotOpenFile,

    /// <summary>The PST is truncated or corrupt ("Could not get root record").</summary>
    Corrupt,

    /// <summary>The output directory is missing or not a directory ("Cannot change to output dir").</summary>
    OutputDirectory,

    /// <summary>readpst failed for a reason not recognised; see its output.</summary>
    Unknown,
}

/// <summary>Classifies readpst's output and exit code into a <see cref="ReadpstErrorKind"/> and plain words.</summary>
public static class ReadpstErrorClassifier
{
    /// <summary>Classifies a finished readpst run.</summary>
    /// <param name="exitCode">readpst's exit code.</param>
    /// <param name="outputLines">Its stdout and stderr lines.</param>
    /// <returns>The kind of error and a message a technician can act on.</returns>
    public static (ReadpstErrorKind Kind, string? Message) Classify(int exitCode, IEnumerable<string> outputLines)
    {
        ArgumentNullException.ThrowIfNull(outputLines);
        var lines = outputLines.ToList();
        bool Has(string text) => lines.Any(line => line.Contains(text, StringComparison.OrdinalIgnoreCase));

        if (Has("Cannot change to output dir"))
        {
            return (ReadpstErrorKind.OutputDirectory, "The extraction folder does not exist or is not a folder; check the import's working directory.");
        }

        if (Has("Error opening File"))
        {
            return (ReadpstErrorKind.CannotOpenFile, "The file could not be opened as a PST: it is missing, unreadable or not an Outlook PST/OST file.");
        }

        if (Has("Could not get root record"))
        {
            return (ReadpstErrorKind.Corrupt, "The PST is truncated or corrupt (no root folder record); upload it again or repair it with Outlook's scanpst.");
        }

        if (exitCode != 0)
        {
            var last = lines.LastOrDefault(line => !string.IsNullOrWhiteSpace(line)) ?? "no output";
            return (ReadpstErrorKind.Unknown, $"readpst failed with exit code {exitCode}: {last}");
        }

        return (ReadpstErrorKind.None, null);
    }
}
