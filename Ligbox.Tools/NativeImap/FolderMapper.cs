using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Ligbox.Tools.NativeImap;

/// <summary>The role of a folder (RFC 6154 special-use, or INBOX).</summary>
public enum FolderRole
{
    /// <summary>An ordinary folder.</summary>
    None,

    /// <summary>The INBOX.</summary>
    Inbox,

    /// <summary>Sent messages.</summary>
    Sent,

    /// <summary>Drafts.</summary>
    Drafts,

    /// <summary>Deleted messages.</summary>
    Trash,

    /// <summary>Spam.</summary>
    Junk,

    /// <summary>Archive.</summary>
    Archive,

    /// <summary>A virtual folder holding all messages (\All, e.g. Gmail "All Mail"); excluded by default.</summary>
    All,

    /// <summary>A virtual folder of flagged messages (\Flagged); excluded by default.</summary>
    Flagged,
}

/// <summary>How source folders are chosen and renamed on the destination.</summary>
public sealed record FolderMappingOptions
{
    /// <summary>
    /// Glob patterns on the source full name written with <c>/</c> as separator, case-insensitive:
    /// <c>*</c> matches any text (also across levels), <c>?</c> one character. Empty = all folders.
    /// </summary>
    public IReadOnlyList<string> Include { get; init; } = [];

    /// <summary>Glob patterns (same syntax as <see cref="Include"/>) of source folders to leave out.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    /// <summary>Explicit source → destination names, both written with <c>/</c> as separator. Wins over everything.</summary>
    public IReadOnlyDictionary<string, string> Overrides { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// A folder every ordinary (non-INBOX, non-special-use) folder is placed under on the destination,
    /// written with <c>/</c> as separator, e.g. <c>Migrated</c>.
    /// </summary>
    public string? DestinationPrefix { get; init; }

    /// <summary>Whether special-use and well-known folders are mapped onto the destination's folder of the same role.</summary>
    public bool MapSpecialFolders { get; init; } = true;

    /// <summary>Whether virtual folders (\All, \Flagged) are copied; they duplicate messages of other folders.</summary>
    public bool IncludeVirtualFolders { get; init; }
}

/// <summary>A folder on the source as the mapper sees it.</summary>
/// <param name="FullName">Full name as the server spells it (decoded from modified UTF-7).</param>
/// <param name="Separator">The server's hierarchy separator.</param>
/// <param name="SpecialUse">The role from SPECIAL-USE attributes, or <see cref="FolderRole.None"/>.</param>
public sealed record SourceFolder(string FullName, char Separator, FolderRole SpecialUse = FolderRole.None);

/// <summary>A folder already on the destination.</summary>
/// <param name="FullName">Full name as the server spells it.</param>
/// <param name="SpecialUse">Its SPECIAL-USE role, or <see cref="FolderRole.None"/>.</param>
public sealed record DestinationFolder(string FullName, FolderRole SpecialUse = FolderRole.None);

/// <summary>Why a folder was mapped the way it was.</summary>
public enum FolderMappingReason
{
    /// <summary>An explicit override.</summary>
    Override,

    /// <summary>INBOX to INBOX.</summary>
    Inbox,

    /// <summary>The source folder's SPECIAL-USE attribute.</summary>
    SpecialUse,

    /// <summary>A well-known localized name (e.g. "Itens Enviados").</summary>
    KnownName,

    /// <summary>Same path, separator converted (and prefix added).</summary>
    Path,
}

/// <summary>One source folder and where its messages go.</summary>
/// <param name="Source">The source full name.</param>
/// <param name="Destination">The destination full name (with the destination's separator).</param>
/// <param name="Role">The role that drove the mapping.</param>
/// <param name="Reason">Why.</param>
/// <param name="DestinationExists">Whether the destination folder already exists.</param>
public sealed record FolderMapping(string Source, string Destination, FolderRole Role, FolderMappingReason Reason, bool DestinationExists);

/// <summary>
/// Maps source folders to destination folders: overrides first, then INBOX, then RFC 6154 special-use
/// attributes, then well-known names in Portuguese, Spanish, English, French and German, then the
/// same path with the hierarchy separator converted. Pure: no I/O.
/// </summary>
public sealed class FolderMapper
{
    private static readonly Dictionary<string, FolderRole> KnownNames = BuildKnownNames();

    private static readonly Dictionary<FolderRole, string> StandardNames = new()
    {
        [FolderRole.Sent] = "Sent",
        [FolderRole.Drafts] = "Drafts",
        [FolderRole.Trash] = "Trash",
        [FolderRole.Junk] = "Junk",
        [FolderRole.Archive] = "Archive",
    };

    private readonly FolderMappingOptions _options;
    private readonly Regex[] _include;
    private readonly Regex[] _exclude;

    /// <summary>Creates a mapper for the given options.</summary>
    public FolderMapper(FolderMappingOptions? options = null)
    {
        _options = options ?? new FolderMappingOptions();
        _include = _options.Include.Select(GlobToRegex).ToArray();
        _exclude = _options.Exclude.Select(GlobToRegex).ToArray();
    }

    /// <summary>
    /// Maps the selected source folders. Excluded folders are left out of the result.
    /// </summary>
    /// <param name="source">Source folders (selectable ones).</param>
    /// <param name="destination">Folders already on the destination.</param>
    /// <param name="destinationSeparator">The destination's hierarchy separator.</param>
    public IReadOnlyList<FolderMapping> Map(IEnumerable<SourceFolder> source, IEnumerable<DestinationFolder> destination, char destinationSeparator)
    {
        var destinationList = destination.ToList();
        var existing = new HashSet<string>(destinationList.Select(d => d.FullName), StringComparer.Ordinal);
        var result = new List<FolderMapping>();
        foreach (var folder in source)
        {
            var slashPath = ToSlashPath(folder.FullName, folder.Separator);
            if (!IsSelected(slashPath, folder.SpecialUse))
            {
                continue;
            }

            var (target, role, reason) = MapOne(folder, slashPath, destinationList, destinationSeparator);
            result.Add(new FolderMapping(folder.FullName, target, role, reason, existing.Contains(target) || target == "INBOX"));
        }

        return result;
    }

    /// <summary>The role a folder name suggests (e.g. "Itens Enviados" → Sent), ignoring case and accents.</summary>
    public static FolderRole RoleFromName(string name) =>
        KnownNames.TryGetValue(Normalize(name), out var role) ? role : FolderRole.None;

    /// <summary>Whether a source path (written with <c>/</c>) is selected by the include/exclude globs.</summary>
    public bool IsSelected(string slashPath, FolderRole specialUse = FolderRole.None)
    {
        if (!_options.IncludeVirtualFolders && specialUse is FolderRole.All or FolderRole.Flagged)
        {
            return false;
        }

        if (_include.Length > 0 && !_include.Any(r => r.IsMatch(slashPath)))
        {
            return false;
        }

        return !_exclude.Any(r => r.IsMatch(slashPath));
    }

    private (string Target, FolderRole Role, FolderMappingReason Reason) MapOne(
        SourceFolder folder, string slashPath, List<DestinationFolder> destination, char separator)
    {
        if (_options.Overrides.TryGetValue(slashPath, out var overridden))
        {
            return (FromSlashPath(overridden, separator), FolderRole.None, FolderMappingReason.Override);
        }

        if (slashPath.Equals("INBOX", StringComparison.OrdinalIgnoreCase))
        {
            return ("INBOX", FolderRole.Inbox, FolderMappingReason.Inbox);
        }

        if (_options.MapSpecialFolders)
        {
            var role = folder.SpecialUse;
            var reason = FolderMappingReason.SpecialUse;
            if (role is FolderRole.None or FolderRole.Inbox && IsTopLevel(slashPath))
            {
                role = RoleFromName(LastSegment(slashPath));
                reason = FolderMappingReason.KnownName;
            }

            if (StandardNames.TryGetValue(role, out var standard))
            {
                var existing = destination.FirstOrDefault(d => d.SpecialUse == role)?.FullName
                    ?? destination.FirstOrDefault(d => RoleFromName(d.FullName) == role && !d.FullName.Contains(separator))?.FullName
                    ?? standard;
                return (existing, role, reason);
            }
        }

        var segments = slashPath.Split('/').Select(s => s.Replace(separator, '_'));
        var path = string.Join(separator, segments);
        if (!string.IsNullOrEmpty(_options.DestinationPrefix))
        {
            path = FromSlashPath(_options.DestinationPrefix, separator) + separator + path;
        }

        return (path, FolderRole.None, FolderMappingReason.Path);
    }

    // A known name counts only at the top level or directly under INBOX ("INBOX.Sent Items" on Courier-style
    // servers); "Clientes/Enviados" is a customer's folder, not the Sent folder.
    private static bool IsTopLevel(string slashPath)
    {
        var parts = slashPath.Split('/');
        return parts.Length == 1 || (parts.Length == 2 && parts[0].Equals("INBOX", StringComparison.OrdinalIgnoreCase));
    }

    private static string LastSegment(string slashPath) => slashPath[(slashPath.LastIndexOf('/') + 1)..];

    /// <summary>Converts a full name to a <c>/</c>-separated path; a literal <c>/</c> inside a name becomes <c>_</c>.</summary>
    internal static string ToSlashPath(string fullName, char separator) =>
        separator == '/' ? fullName : string.Join('/', fullName.Split(separator).Select(s => s.Replace('/', '_')));

    private static string FromSlashPath(string slashPath, char separator) =>
        separator == '/' ? slashPath : string.Join(separator, slashPath.Split('/').Select(s => s.Replace(separator, '_')));

    private static Regex GlobToRegex(string glob)
    {
        var pattern = "^" + Regex.Escape(glob).Replace(@"\*", ".*").Replace(@"\?", ".") + "$";
        return new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }

    private static string Normalize(string name)
    {
        var decomposed = name.Trim().ToLowerInvariant().Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
            {
                builder.Append(c == '-' || c == '_' ? ' ' : c);
            }
        }

        return builder.ToString().Normalize(NormalizationForm.FormC);
    }

    private static Dictionary<string, FolderRole> BuildKnownNames()
    {
        var table = new (FolderRole Role, string[] Names)[]
        {
            (FolderRole.Sent,
            [
                "Sent", "Sent Items", "Sent Messages", "Sent Mail", // en
                "Enviados", "Itens Enviados", "Mensagens Enviadas", "Enviadas", // pt
                "Elementos Enviados", "Mensajes Enviados", "Correo Enviado", // es
                "Envoyés", "Éléments envoyés", "Messages envoyés", // fr
                "Gesendet", "Gesendete Elemente", "Gesendete Objekte", "Gesendete Nachrichten", // de
            ]),
            (FolderRole.Drafts,
            [
                "Drafts", "Draft", "Rascunhos", "Rascunho", "Borradores", "Borrador", "Brouillons", "Entwürfe", "Entwurf",
            ]),
            (FolderRole.Trash,
            [
                "Trash", "Deleted Items", "Deleted Messages", "Bin", // en
                "Lixo", "Lixeira", "Itens Excluídos", "Itens Eliminados", "Mensagens Excluídas", "Excluídos", // pt
                "Papelera", "Elementos Eliminados", "Eliminados", // es
                "Corbeille", "Éléments supprimés", "Messages supprimés", // fr
                "Papierkorb", "Gelöschte Elemente", "Gelöschte Objekte", "Gelöscht", // de
            ]),
            (FolderRole.Junk,
            [
                "Junk", "Spam", "Junk E-mail", "Junk Email", "Junk Mail", "Bulk Mail", // en
                "Lixo Eletrônico", "Lixo Electrónico", "Lixo Eletronico", "Correio Eletrônico Não Solicitado", // pt
                "Correo no deseado", "Correo basura", // es
                "Courrier indésirable", "Indésirables", "Pourriel", // fr
                "Junk-E-Mail", "Unerwünscht", // de
            ]),
            (FolderRole.Archive,
            [
                "Archive", "Archives", "Arquivo", "Arquivos", "Archivo", "Archivos", "Archiv",
            ]),
        };
        var result = new Dictionary<string, FolderRole>(StringComparer.Ordinal);
        foreach (var (role, names) in table)
        {
            foreach (var name in names)
            {
                result[Normalize(name)] = role;
            }
        }

        return result;
    }
}
