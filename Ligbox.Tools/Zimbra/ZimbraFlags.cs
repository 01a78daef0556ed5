namespace Ligbox.Tools.Zimbra;

/// <summary>The letters of a Zimbra <c>FlagStr</c> (format facts: u f r w d s a x ! ?).</summary>
[Flags]
public enum ZimbraFlags
{
    None = 0,

    /// <summary><c>u</c>: unread.</summary>
    Unread = 1 << 0,

    /// <summary><c>f</c>: flagged.</summary>
    Flagged = 1 << 1,

    /// <summary><c>r</c>: replied.</summary>
    Replied = 1 << 2,

    /// <summary><c>w</c>: forwarded.</summary>
    Forwarded = 1 << 3,

    /// <summary><c>d</c>: draft.</summary>
    Draft = 1 << 4,

    /// <summary><c>s</c>: sent by the owner.</summary>
    Sent = 1 << 5,

    /// <summary><c>a</c>: has an attachment.</summary>
    Attachment = 1 << 6,

    /// <summary><c>x</c>: marked deleted (IMAP \Deleted, not yet expunged).</summary>
    Deleted = 1 << 7,

    /// <summary><c>!</c>: high priority.</summary>
    HighPriority = 1 << 8,

    /// <summary><c>?</c>: low priority.</summary>
    LowPriority = 1 << 9,
}

/// <summary>Reads <c>FlagStr</c>.</summary>
public static class ZimbraFlagString
{
    /// <summary>
    /// The flags in <paramref name="flagStr"/>. Letters this reader does not know (Zimbra has more for
    /// folders, such as <c>#</c> for "checked in the UI") are ignored: they say nothing about mail state.
    /// </summary>
    public static ZimbraFlags Parse(string? flagStr)
    {
        var flags = ZimbraFlags.None;
        foreach (var letter in flagStr ?? "")
        {
            flags |= letter switch
            {
                'u' => ZimbraFlags.Unread,
                'f' => ZimbraFlags.Flagged,
                'r' => ZimbraFlags.Replied,
                'w' => ZimbraFlags.Forwarded,
                'd' => ZimbraFlags.Draft,
                's' => ZimbraFlags.Sent,
                'a' => ZimbraFlags.Attachment,
                'x' => ZimbraFlags.Deleted,
                '!' => ZimbraFlags.HighPriority,
                '?' => ZimbraFlags.LowPriority,
                _ => ZimbraFlags.None,
            };
        }

        return flags;
    }

    /// <summary>The <c>FlagStr</c> letters for <paramref name="flags"/> (the order Zimbra uses does not matter to readers).</summary>
    public static string Format(ZimbraFlags flags)
    {
        var letters = new System.Text.StringBuilder();
        foreach (var (flag, letter) in Letters)
        {
            if (flags.HasFlag(flag))
            {
                letters.Append(letter);
            }
        }

        return letters.ToString();
    }

    private static readonly (ZimbraFlags Flag, char Letter)[] Letters =
    [
        (ZimbraFlags.Unread, 'u'), (ZimbraFlags.Flagged, 'f'), (ZimbraFlags.Replied, 'r'), (ZimbraFlags.Forwarded, 'w'),
        (ZimbraFlags.Draft, 'd'), (ZimbraFlags.Sent, 's'), (ZimbraFlags.Attachment, 'a'), (ZimbraFlags.Deleted, 'x'),
        (ZimbraFlags.HighPriority, '!'), (ZimbraFlags.LowPriority, '?'),
    ];
}
