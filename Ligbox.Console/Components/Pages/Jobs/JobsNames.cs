using Ligbox.Core.Gate;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Runs;
using Microsoft.Extensions.Localization;

namespace Ligbox.Console.Components.Pages.Jobs;

/// <summary>
/// The one place that names a gate's grade, a mailbox's status and a run's kind and status on the job pages, in the reader's language
/// (<c>JobsText.pt.resx</c>). A job's phase and the gate's state are named by <see cref="Shared.StatusNames"/>.
/// </summary>
public static class JobsNames
{
    /// <summary>A gate grade, lower case as it reads beside the gate's state ("Blocked" there is <see cref="Shared.StatusNames.Gate"/>).</summary>
    public static string Grade(IStringLocalizer<JobsText> L, GateGrade grade) => grade switch
    {
        GateGrade.Perfect => L["perfect"],
        GateGrade.Good => L["good"],
        GateGrade.Investigate => L["investigate"],
        GateGrade.Blocked => L["blocked"],
        _ => grade.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// A provider preset's description in the reader's language. The English is Core's own text (so it never drifts);
    /// the keys below repeat it for the Portuguese, and a test checks they still match Core's.
    /// </summary>
    public static string PresetDescription(IStringLocalizer<JobsText> L, ProviderPreset preset)
    {
        LocalizedString? text = preset.Id switch
        {
            "microsoft365" => L["outlook.office365.com:993 with TLS and OAuth 2.0 (Microsoft turned basic authentication off). Exchange Online throttles IMAP per mailbox and per tenant: at most 10 mailboxes at once and 4 messages per second per mailbox (imapsync's --office2 value); its non-mail folders (calendar, contacts, tasks, sync issues) are left out."],
            "gmail" => L["imap.gmail.com:993 with TLS and OAuth 2.0. All Mail, Important, Starred and Chats are left out: they show the same messages as INBOX and the label folders, which would be copied twice. Gmail allows 2,500 MB of IMAP download and 500 MB of upload per day and account and 15 connections per account: 40,000 bytes/s per mailbox when reading, 20,000 when writing (imapsync's --gmail1/--gmail2 values)."],
            "dovecot" => L["Your own Dovecot or mailcow server on port 993 with TLS and a password (or a master-user admin login); no throttling."],
            "zimbra" => L["Zimbra's IMAP on port 993 with TLS and a password. Zimbra lists its calendar, contacts, tasks, briefcase and chats as IMAP folders: they are left out (use the Zimbra TGZ import for those). Zimbra caps IMAP connections per account: 4 mailboxes at once."],
            "cpanel" => L["A cPanel host's Dovecot on port 993 with TLS; the login is the full e-mail address. cPanel limits IMAP connections per IP address (20 by default): 4 mailboxes at once."],
            "custom" => L["Every field as you type it: port 993 with TLS and a password to start with, nothing skipped, no throttling."],
            _ => null,
        };
        return text is { ResourceNotFound: false } ? text.Value : preset.Description;
    }

    /// <summary>A provider preset's name; only "Custom server" is a word, the others are product names.</summary>
    public static string PresetName(IStringLocalizer<JobsText> L, ProviderPreset preset) =>
        preset.Id == "custom" ? L["Custom server"] : preset.Name;

    public static string Mailbox(IStringLocalizer<JobsText> L, MailboxStatus status) => status switch
    {
        MailboxStatus.Pending => L["Pending"],
        MailboxStatus.Ready => L["Ready"],
        MailboxStatus.Syncing => L["Syncing"],
        MailboxStatus.Synced => L["Synced"],
        MailboxStatus.Failed => L["Failed"],
        _ => status.ToString(),
    };

    public static string Kind(IStringLocalizer<JobsText> L, RunKind kind) => kind switch
    {
        RunKind.Preflight => L["Pre-flight"],
        RunKind.Initial => L["Initial sync"],
        RunKind.Delta => L["Delta sync"],
        RunKind.Final => L["Final sync"],
        RunKind.Pst => L["PST import"],
        RunKind.Tgz => L["Zimbra import"],
        RunKind.Verify => L["Verify sync"],
        _ => kind.ToString(),
    };

    public static string Run(IStringLocalizer<JobsText> L, RunStatus status) => status switch
    {
        RunStatus.Queued => L["Queued"],
        RunStatus.Running => L["Running"],
        RunStatus.Succeeded => L["Succeeded"],
        RunStatus.Failed => L["Failed"],
        RunStatus.Cancelled => L["Cancelled"],
        RunStatus.Interrupted => L["Interrupted"],
        RunStatus.Resuming => L["Resuming"],
        _ => status.ToString(),
    };
}
