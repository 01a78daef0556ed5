using Ligbox.Tools.Readpst;

namespace Ligbox.Core.Pst;

/// <summary>
/// What is checked before an import run is created: the extension says what the file should be, and its
/// first bytes must agree (a PST/OST starts with <c>!BDN</c>, an mbox with <c>From </c>). Refusing here
/// means no run, no readpst and nothing appended.
/// </summary>
public static class PstFileCheck
{
    /// <summary>The extensions the console imports (the upload panel offers the same list).</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".pst", ".ost", ".mbox", ".mbx"];

    /// <summary>Returns <c>null</c> when <paramref name="path"/> may be imported as <paramref name="name"/>, else what to tell the user.</summary>
    public static string? Problem(string path, string name)
    {
        var extension = Path.GetExtension(name).ToLowerInvariant();
        if (!Extensions.Contains(extension))
        {
            return $"'{name}' cannot be imported: only Outlook .pst/.ost files and .mbox files can. Export the mailbox to one of those and upload that file.";
        }

        if (!File.Exists(path))
        {
            return $"The file '{name}' is not on the server any more (upload expired or deleted); upload it again.";
        }

        if (extension is ".mbox" or ".mbx")
        {
            return StartsWithFromLine(path) ? null
                : $"'{name}' is not an mbox file: an mbox starts with a 'From ' line and this one does not. Check that you chose the right file.";
        }

        return PstSignature.Check(path) switch
        {
            PstSignatureStatus.Valid => null,
            PstSignatureStatus.TooShort => $"'{name}' is too short to be an Outlook PST/OST file; the upload may be incomplete. Upload the whole file again.",
            _ => $"'{name}' is not an Outlook PST/OST file (it does not start with the PST signature '!BDN'). Export the mailbox from Outlook again as a .pst file and upload that.",
        };
    }

    private static bool StartsWithFromLine(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[5];
        return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && head.SequenceEqual("From "u8);
    }
}
