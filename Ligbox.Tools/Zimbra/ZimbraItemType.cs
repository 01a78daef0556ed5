namespace Ligbox.Tools.Zimbra;

/// <summary>The item types Zimbra writes in a <c>.meta</c> <c>type</c> field (Zimbra's <c>MailItem.Type</c> numbers).</summary>
public enum ZimbraItemType
{
    /// <summary>A number this reader does not know.</summary>
    Unknown = 0,
    Folder = 1,
    SearchFolder = 2,
    Tag = 3,
    Conversation = 4,
    Message = 5,
    Contact = 6,
    Document = 8,
    Note = 9,
    Appointment = 11,
    Mountpoint = 13,
    Wiki = 14,
    Task = 15,
    Chat = 16,
    Comment = 17,
    Link = 18,
}

/// <summary>What an importer does with each item type.</summary>
public static class ZimbraItemTypes
{
    /// <summary>The type for a <c>.meta</c> <c>type</c> number (unknown numbers give <see cref="ZimbraItemType.Unknown"/>).</summary>
    public static ZimbraItemType FromNumber(int number) =>
        Enum.IsDefined(typeof(ZimbraItemType), number) ? (ZimbraItemType)number : ZimbraItemType.Unknown;

    /// <summary>
    /// Mail an IMAP destination can hold: messages and chats (Zimbra stores chats as RFC 822 messages).
    /// Everything else (contacts, calendar items, tasks, briefcase files, notes) is counted and offered apart.
    /// </summary>
    public static bool IsMail(ZimbraItemType type) => type is ZimbraItemType.Message or ZimbraItemType.Chat;

    /// <summary>Structure only (folders, tags, conversations, search folders): nothing to import or to count as content.</summary>
    public static bool IsStructure(ZimbraItemType type) =>
        type is ZimbraItemType.Folder or ZimbraItemType.SearchFolder or ZimbraItemType.Tag or ZimbraItemType.Conversation
            or ZimbraItemType.Mountpoint or ZimbraItemType.Link;

    /// <summary>A plain name for reports ("contact", "appointment", "task", "document", ...).</summary>
    public static string Name(ZimbraItemType type) => type switch
    {
        ZimbraItemType.SearchFolder => "search folder",
        ZimbraItemType.Document => "document",
        ZimbraItemType.Appointment => "appointment",
        _ => type.ToString().ToLowerInvariant(),
    };
}
