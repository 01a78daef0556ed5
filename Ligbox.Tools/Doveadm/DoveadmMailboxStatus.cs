using System.Globalization;

namespace Ligbox.Tools.Doveadm;

/// <summary>One row of <c>doveadm mailbox status</c>.</summary>
/// <param name="Mailbox">Mailbox name.</param>
/// <param name="Messages">Message count, when asked for.</param>
/// <param name="VirtualSize">Sum of message sizes in bytes (<c>vsize</c>), when asked for.</param>
/// <param name="UidNext">Next UID, when asked for.</param>
/// <param name="UidValidity">UIDVALIDITY, when asked for.</param>
public sealed record DoveadmMailboxStatus(string Mailbox, long? Messages, long? VirtualSize, long? UidNext, long? UidValidity);

/// <summary>Pure parser for <c>doveadm -f tab mailbox status</c> output (a header line, then one row per mailbox).</summary>
public static class DoveadmMailboxStatusParser
{
    /// <summary>Parses the lines; columns are found by the header, since doveadm orders them itself.</summary>
    /// <exception cref="FormatException">There is no <c>mailbox</c> header.</exception>
    public static IReadOnlyList<DoveadmMailboxStatus> Parse(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        using var enumerator = lines.Where(line => line.Length > 0).GetEnumerator();
        if (!enumerator.MoveNext())
        {
            return [];
        }

        var header = enumerator.Current.Split('\t');
        var mailbox = Array.IndexOf(header, "mailbox");
        if (mailbox < 0)
        {
            throw new FormatException($"Not doveadm tab output (no 'mailbox' column): '{enumerator.Current}'.");
        }

        long? Field(string[] row, string name)
        {
            var index = Array.IndexOf(header, name);
            return index >= 0 && index < row.Length && long.TryParse(row[index], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
        }

        var rows = new List<DoveadmMailboxStatus>();
        while (enumerator.MoveNext())
        {
            var row = enumerator.Current.Split('\t');
            rows.Add(new DoveadmMailboxStatus(row[mailbox], Field(row, "messages"), Field(row, "vsize"), Field(row, "uidnext"), Field(row, "uidvalidity")));
        }

        return rows;
    }
}
