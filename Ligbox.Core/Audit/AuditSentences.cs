using System.Globalization;
using System.Text.Json;
using Ligbox.Core.Localization;

namespace Ligbox.Core.Audit;

/// <summary>
/// Turns an audit entry into one plain sentence ("ana approved the gate: 290 of 290 messages, comment …").
/// Every action the code writes has its own sentence; an unknown action reads "actor did X on Y" with its
/// details, so a new action is never shown as raw JSON only. The job page and reports use it.
/// </summary>
public static class AuditSentences
{
    /// <summary>The actions with their own sentence (tests check every <c>audit.Add</c> of the code is among them).</summary>
    public static IReadOnlyCollection<string> KnownActions => Formatters.Keys;

    // Each sentence is written with English formats that CoreText translates when the sentence is shown (the entry keeps its
    // action and JSON details, so an old entry reads in the reader's language too). In Portuguese every run's name is
    // feminine (execução, sincronização, verificação, importação): "a"/"an" both become "uma".
    private static readonly Dictionary<string, Func<string, Details, string>> Formatters = new(StringComparer.Ordinal)
    {
        ["job.created"] = (a, d) => F("{0} created the job for {1}", a, d.Str("domain") ?? T("a domain")) + d.Opt("ticketId", " (ticket {0})")
            + d.Opt("sourceCertificateSha256", ", trusting the source server's certificate SHA-256 {0}")
            + d.Opt("destinationCertificateSha256", ", trusting the destination server's certificate SHA-256 {0}")
            + d.Opt("sourceAdminLogin", ", logging in on the source with the admin login {0}")
            + d.Opt("destinationAdminLogin", ", logging in on the destination with the admin login {0}") + ".",
        ["job.updated"] = (a, d) => F("{0} changed the job's {1}", a, d.Joined("name", "ticketId", "source", "destination", "engine", "options") ?? T("settings"))
            + (d.List("changes") is { } c ? $" ({c})" : "") + ".",
        ["job.cancelled"] = (a, d) => F("{0} cancelled the job", a) + d.Opt("reason", ": {0}") + ".",
        ["mailbox.added"] = (a, d) => F("{0} added the mailbox {1}", a, Mailbox(d)) + d.Opt("destinationLogin", " (to {0})") + ".",
        ["mailbox.updated"] = (a, d) => F("{0} changed the mailbox {1}", a, Mailbox(d)) + (d.Joined("changes") is null ? "" : d.List("changes") is { } c ? $" ({c})" : "") + ".",
        ["mailbox.removed"] = (a, d) => F("{0} removed the mailbox {1} from the job.", a, Mailbox(d)),
        ["mailbox.excluded"] = (a, d) => F("{0} excluded the mailbox {1} from the job", a, Mailbox(d)) + d.Opt("reason", ": {0}") + ".",
        ["mailbox.included"] = (a, d) => F("{0} included the mailbox {1} in the job again.", a, Mailbox(d)),
        ["mailboxes.imported"] = (a, d) => F("{0} imported {1} from a CSV file.", a, Mailboxes(d.Num("count"))),
        ["run.started"] = (a, d) => F("{0} started {1}", a, Article(RunName(d.Str("kind")))) + (d.Bool("dryRun") ? T(" (dry run)") : "")
            + (d.Num("mailboxes") is { } n ? F(" of {0}", Mailboxes(n)) : "") + (d.Str("trigger") == "Scheduled" ? T(" on schedule") : "") + ".",
        ["run.cancelled"] = (a, d) => F("{0} cancelled the {1}.", a, RunName(d.Str("kind"))),
        ["run.resumed"] = (a, d) => F("The console resumed the {0} after a restart.", RunName(d.Str("kind"))),
        ["run.ended"] = (a, d) => F("The {0} {1}", RunName(d.Str("kind")), Ended(d.Str("status"))) + (d.Str("message") is { } m ? ": " + Ligbox.Core.Runs.RunMessageText.Describe(m)!.TrimEnd('.') : "") + ".",
        ["gate.ready"] = (a, d) => F("The gate became ready: {0}.", GateFigures(d)),
        ["gate.blocked"] = (a, d) => F("The gate is blocked: {0}", GateFigures(d)) + FirstReason(d) + ".",
        ["gate.approved"] = (a, d) => F("{0} approved the gate: {1}", a, GateFigures(d)) + d.Opt("comment", ", comment “{0}”")
            + (d.Bool("acceptedMissing") ? T(", accepting the missing messages") : "") + ".",
        ["gate.revoked"] = (a, d) => a == "system"
            ? d.Str("comment") is { } c && c.StartsWith("Revoked ", StringComparison.Ordinal)
                ? (CoreText.Translates(CultureInfo.CurrentUICulture)
                    ? F("The gate approval was revoked automatically: {0}.",
                        string.Join("; ", c.TrimEnd('.')[(c.IndexOf(':') + 1)..].Trim().Split("; ").Select(EngineErrorText.Reread)))
                    : $"The gate approval was r{c.TrimEnd('.')[1..]}.")
                : T("The gate approval was revoked automatically") + d.Opt("comment", ": {0}") + "."
            : F("{0} revoked the gate approval", a) + d.Opt("comment", ", comment “{0}”") + ".",
        ["schedule.updated"] = (a, d) => d.Bool("enabled")
            ? (d.Str("cron") is { } cron ? F("{0} scheduled delta syncs with the cron expression {1}.", a, cron) : F("{0} scheduled delta syncs every {1}.", a, Hours(d.Num("everyHours"))))
            : F("{0} turned the scheduled delta syncs off.", a),
        ["schedule.started"] = (a, d) => T("The schedule started a delta sync."),
        ["schedule.skipped"] = (a, d) => T("The schedule skipped a delta sync") + d.Opt("reason", ": {0}") + ".",
        ["pst.import.started"] = (a, d) => F("{0} started importing {1}", a, d.Str("file") ?? T("a file")) + d.Opt("rootFolder", " into {0}") + ".",
        ["zimbra.import.started"] = (a, d) => F("{0} started importing the Zimbra export {1}", a, d.Str("file") ?? T("a file")) + d.Opt("rootFolder", " into {0}") + ".",
        ["zimbra.export.started"] = (a, d) => F("{0} started exporting {1} from the Zimbra server over SSH", a, d.Str("account") ?? T("a Zimbra account"))
            + d.Opt("rootFolder", " into {0}") + d.Opt("query", " (only {0})") + ".",
        ["zimbra.export.all_started"] = (a, d) => F("{0} started exporting {1} from the Zimbra server over SSH", a, Mailboxes(d.Num("mailboxes")))
            + (d.Num("skipped") is { } s && s > 0 ? F(" ({0} left out)", s.ToString(CultureInfo.CurrentCulture)) : "") + ".",
        ["zimbra.ssh.saved"] = (a, d) => F("{0} set the Zimbra server to {1}", a, $"{d.Str("user") ?? "?"}@{d.Str("host") ?? "?"}{d.Raw("port", ":{0}")}")
            + d.Opt("hostKey", ", trusting host key {0}") + ".",
        ["zimbra.ssh.removed"] = (a, d) => F("{0} removed the Zimbra server {1} (its key and password are forgotten).", a, $"{d.Str("user") ?? "?"}@{d.Str("host") ?? "?"}{d.Raw("port", ":{0}")}"),
        ["pst.quarantine.retried"] = (a, d) => F("{0} retried the quarantined messages of {1}.", a, d.Str("file") ?? T("an import")),
        ["desk.updated"] = (a, d) => F("{0} changed the helpdesk connection", a) + (d.Bool("enabled") ? "" : T(" (turned off)")) + (d.Bool("tokenChanged") ? T(" and its token") : "") + ".",
        ["report.attach_requested"] = (a, d) => F("{0} asked to attach the job's report to ticket {1}.", a, d.Str("ticketId")),
        ["report.attach_retried"] = (a, d) => F("{0} asked to send the report to ticket {1} again now.", a, d.Str("ticketId")),
        // OAuth 2.0 (issue 15)
        ["oauth.settings_saved"] = (a, d) => (d.Str("side") == "destination"
                ? F("{0} set the destination's OAuth 2.0 sign-in to {1}, client {2}", a, d.Str("provider") ?? T("a provider"), d.Str("clientId") ?? "?")
                : F("{0} set the source's OAuth 2.0 sign-in to {1}, client {2}", a, d.Str("provider") ?? T("a provider"), d.Str("clientId") ?? "?"))
            + (d.Bool("secretChanged") ? T(" with a new client secret") : "")
            + (d.Num("forgottenAuthorizations") is > 0 and var n ? F(" (forgetting {0} mailbox authorization(s) of the previous client)", n.ToString(CultureInfo.CurrentCulture)) : "") + ".",
        ["oauth.authorized"] = (a, d) => (d.Str("side") == "destination"
                ? F("{0} authorized {1} on the destination with OAuth 2.0", a, d.Str("login") ?? T("a mailbox"))
                : F("{0} authorized {1} on the source with OAuth 2.0", a, d.Str("login") ?? T("a mailbox")))
            + (d.Str("how") == "device" ? T(" (device sign-in)") : "") + ".",
        ["webhook.added"] = (a, d) => F("{0} added the webhook {1}.", a, d.Str("url")),
        ["webhook.deleted"] = (a, d) => F("{0} deleted the webhook {1}.", a, d.Str("url")),
        ["webhook.test"] = (a, d) => F("{0} sent a test event to the webhook {1}.", a, d.Str("url")),
        ["webhook.redeliver"] = (a, d) => F("{0} asked to deliver the {1} event again.", a, d.Str("type") ?? "webhook"),
        ["user.created"] = (a, d) => F("{0} created the account {1}", a, d.Str("email")) + d.Opt("role", " ({0})") + ".",
        ["user.role_changed"] = (a, d) => F("{0} changed the role of {1}", a, d.Str("email")) + d.Opt("to", " to {0}") + ".",
        ["user.password_reset"] = (a, d) => F("{0} reset the password of {1}.", a, d.Str("email")),
        ["user.password_changed"] = (a, d) => F("{0} changed their own password.", a),
        ["user.preferences_changed"] = (a, d) => F("{0} set their language to {1} and their time zone to {2}.", a,
            d.Str("language") ?? T("the browser's"), d.Str("timeZone") ?? T("the browser's")),
        ["user.disabled"] = (a, d) => F("{0} disabled the account {1}.", a, d.Str("email")),
        ["user.enabled"] = (a, d) => F("{0} enabled the account {1}.", a, d.Str("email")),
        ["token.created"] = (a, d) => F("{0} created the API token “{1}”.", a, d.Str("name")),
        ["token.bootstrapped"] = (a, d) => T("The console created the first API token from its configuration."),
        ["token.revoked"] = (a, d) => F("{0} revoked the API token “{1}”.", a, d.Str("name")),
    };

    private static string T(string english) => CoreText.T(english);

    private static string F(string englishFormat, params object?[] args) => CoreText.F(englishFormat, args);

    /// <summary>The entry as one sentence.</summary>
    public static string Describe(AuditEntryDto entry) => Describe(entry.Actor, entry.Action, entry.EntityType, entry.EntityId, entry.Details);

    public static string Describe(string actor, string action, string entityType, string entityId, string? details)
    {
        var d = Details.Parse(details);
        if (Formatters.TryGetValue(action, out var format))
        {
            try
            {
                return format(actor, d);
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException or JsonException)
            {
                // Details of an older shape: fall through to the readable default.
            }
        }

        // An action without its own sentence has no translation either: its words come from the code.
        var verb = action.Replace('_', ' ').Split('.', 2) is [var noun, var what] ? $"{what.Replace('.', ' ')} {noun}" : action;
        var name = d.Str("sourceLogin") ?? d.Str("login") ?? d.Str("email") ?? d.Str("name") ?? $"{entityType} {Short(entityId)}";
        var summary = d.Summary();
        return $"{actor}: {verb} ({name}){(summary is null ? "" : " — " + summary)}.";
    }

    private static string Mailbox(Details d) => d.Str("sourceLogin") ?? d.Str("mailbox") ?? d.Str("login") ?? T("(unnamed)");

    private static string RunName(string? kind) => kind switch
    {
        "Preflight" => T("pre-flight"),
        "Pst" => T("PST import"),
        "Mbox" => T("mbox import"),
        "Initial" => T("initial sync"),
        "Delta" => T("delta sync"),
        "Final" => T("final sync"),
        null => T("run"),
        _ => F("{0} sync", kind.ToLowerInvariant()),
    };

    private static string Article(string noun) => "aeiou".Contains(noun[0]) ? F("an {0}", noun) : F("a {0}", noun);

    private static string Ended(string? status) => status switch
    {
        "Succeeded" => T("succeeded"),
        "Failed" => T("failed"),
        "Cancelled" => T("was cancelled"),
        "Interrupted" => T("was interrupted"),
        _ => T("ended"),
    };

    private static string GateFigures(Details d)
    {
        var dst = d.Num("destinationMessages");
        var src = d.Num("sourceMessages");
        var ratio = d.Dbl("ratio");
        // The ratio keeps the invariant "100.00 %" in English (as always); Portuguese writes "100,00 %".
        var percent = CoreText.Translates(CultureInfo.CurrentUICulture) ? CultureInfo.CurrentCulture : CultureInfo.InvariantCulture;
        var grade = d.Str("grade")?.ToLowerInvariant() switch
        {
            null => T("unknown"),
            "perfect" => T("perfect"),
            "good" => T("good"),
            "investigate" => T("investigate"),
            "blocked" => T("blocked"),
            var other => other,
        };
        return src is null ? T("no figures yet")
            : F("{0} of {1} messages", (dst ?? 0).ToString("N0", CultureInfo.CurrentCulture), src.Value.ToString("N0", CultureInfo.CurrentCulture))
              + (ratio is { } r ? $" ({r.ToString("P2", percent)})" : "") + F(", grade {0}", grade);
    }

    private static string FirstReason(Details d) => d.FirstString("reasons") is { } reason ? $" — {reason.TrimEnd('.')}" : "";

    private static string Mailboxes(long? n) => n switch
    {
        null => T("mailboxes"),
        1 => F("{0} mailbox", 1.ToString(CultureInfo.CurrentCulture)),
        _ => F("{0} mailboxes", n.Value.ToString("N0", CultureInfo.CurrentCulture)),
    };

    private static string Hours(long? n) => n switch
    {
        null => T("hours"),
        1 => F("{0} hour", 1.ToString(CultureInfo.CurrentCulture)),
        _ => F("{0} hours", n.Value.ToString("N0", CultureInfo.CurrentCulture)),
    };

    private static string Short(string id) => id.Length > 8 && Guid.TryParse(id, out _) ? id[..8] : id;

    /// <summary>The JSON details, read leniently (a missing or odd member is just absent).</summary>
    private sealed class Details(JsonElement? root)
    {
        public static Details Parse(string? json)
        {
            if (json is null || !json.TrimStart().StartsWith('{'))
            {
                return new Details(null);
            }

            try
            {
                return new Details(JsonDocument.Parse(json).RootElement.Clone());
            }
            catch (JsonException)
            {
                return new Details(null);
            }
        }

        private JsonElement? Get(string name)
        {
            if (root is not { } r)
            {
                return null;
            }

            foreach (var p in r.EnumerateObject())
            {
                if (p.Name.Equals(name, StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
                {
                    return p.Value;
                }
            }

            return null;
        }

        public string? Str(string name) => Get(name) is { } v
            ? v.ValueKind == JsonValueKind.String ? NullIfEmpty(v.GetString()) : v.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False ? v.GetRawText() : null
            : null;

        public long? Num(string name) => Get(name) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt64(out var n) ? n : null;

        public double? Dbl(string name) => Get(name) is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : null;

        public bool Bool(string name) => Get(name) is { ValueKind: JsonValueKind.True };

        /// <summary>The member in a translated English fragment (" (ticket {0})"), or nothing when it is absent.</summary>
        public string Opt(string name, string format) => Str(name) is { } s ? string.Format(CultureInfo.InvariantCulture, CoreText.T(format), s) : "";

        /// <summary>The member in a fragment that needs no words (":{0}" for a port).</summary>
        public string Raw(string name, string format) => Str(name) is { } s ? string.Format(CultureInfo.InvariantCulture, format, s) : "";

        /// <summary>An array of strings as "a, b and c"; an object's member names the same way.</summary>
        public string? List(string name)
        {
            var items = Get(name) switch
            {
                { ValueKind: JsonValueKind.Array } a => a.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText()).ToList(),
                { ValueKind: JsonValueKind.Object } o => o.EnumerateObject().Select(p => p.Name).ToList(),
                { ValueKind: JsonValueKind.String } v => [v.GetString()!],
                _ => [],
            };
            return items.Count switch
            {
                0 => null,
                1 => items[0],
                _ => string.Join(", ", items[..^1]) + CoreText.T(" and ") + items[^1],
            };
        }

        public string? FirstString(string name) => Get(name) is { ValueKind: JsonValueKind.Array } a
            ? a.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()).FirstOrDefault()
            : null;

        /// <summary>The names of the given members that are present ("name and ticket").</summary>
        public string? Joined(params string[] names)
        {
            var present = names.Where(n => Get(n) is not null).Select(Word).ToList();
            return present.Count switch
            {
                0 => null,
                1 => present[0],
                _ => string.Join(", ", present[..^1]) + CoreText.T(" and ") + present[^1],
            };
        }

        /// <summary>A member's name as a word of the sentence ("ticketId" is the ticket).</summary>
        private static string Word(string member) => member switch
        {
            "ticketId" => CoreText.T("ticket"),
            "name" => CoreText.T("name"),
            "source" => CoreText.T("source"),
            "destination" => CoreText.T("destination"),
            "engine" => CoreText.T("engine"),
            "options" => CoreText.T("options"),
            _ => member,
        };

        /// <summary>Simple members as "key: value", for the default sentence.</summary>
        public string? Summary()
        {
            if (root is not { ValueKind: JsonValueKind.Object } r)
            {
                return null;
            }

            var parts = r.EnumerateObject()
                .Where(p => p.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
                .Select(p => $"{p.Name}: {(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText())}")
                .Take(5).ToList();
            return parts.Count == 0 ? null : string.Join(", ", parts);
        }

        private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
    }
}
