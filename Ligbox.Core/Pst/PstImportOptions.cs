using Ligbox.Tools.ImapAppend;

namespace Ligbox.Core.Pst;

/// <summary>
/// Tuning of the PST/mbox import, bound from <c>Ligbox:Pst</c>: the append pipeline's connections, batch bounds,
/// spooling threshold and timeout (<see cref="ImapAppendOptions"/>).
/// </summary>
public sealed class PstImportOptions : ImapAppendOptions
{
    public const string Section = "Ligbox:Pst";
}
