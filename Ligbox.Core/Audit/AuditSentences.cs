using System.Globalization;
using System.Text.Json;

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

    private static readonly Dictionary<string, Func<string, Details, string>> Formatters = new(StringComparer.Ordinal)
    {
        ["job.created"] = (a, d) => $"{a} created the job for {d.Str("domain") ?? "a domain"}{d.Opt("ticketId", " (ticket {0})")}"
            + $"{d.Opt("sourceCertificateSha256", ", trusting the source server's certificate SHA-256 {0}")}"
            + $"{d.Opt("destinationCertificateSha256", ", trusting the destination server's certificate SHA-256 {0}")}"
            + $"{d.Opt("sourceAdminLogin", ", logging in on the source with the admin login {0}")}"
            + $"{d.Opt("destinationAdminLogin", ", logging in on the destination with the admin login {0}")}.",
        ["job.updated"] = (a, d) => $"{a} changed the job's {d.Joined("name", "ticketId", "source", "destination", "engine", "options") ?? "settings"}"
            + $"{(d.List("changes") is { } c ? $" ({c})" : "")}.",
        ["job.cancelled"] = (a, d) => $"{a} cancelled the job{d.Opt("reason", ": {0}")}.",
        ["mailbox.added"] = (a, d) => $"{a} added the mailbox {Mailbox(d)}{d.Opt("destinationLogin", " (to {0})")}.",
        ["mailbox.updated"] = (a, d) => $"{a} changed the mailbox {Mailbox(d)}{(d.Joined("changes") is null ? "" : d.List("changes") is { } c ? $" ({c})" : "")}.",
        ["mailbox.removed"] = (a, d) => $"{a} removed the mailbox {Mailbox(d)} from the job.",
        ["mailbox.excluded"] = (a, d) => $"{a} excluded the mailbox {Mailbox(d)} from the job{d.Opt("reason", ": {0}")}.",
        ["mailbox.included"] = (a, d) => $"{a} included the mailbox {Mailbox(d)} in the job again.",
        ["mailboxes.imported"] = (a, d) => $"{a} imported {Count(d.Num("count"), "mailbox", "mailboxes")} from a CSV file.",
        ["run.started"] = (a, d) => $"{a} started {Article(RunName(d.Str("kind")))}{(d.Bool("dryRun") ? " (dry run)" : "")}" +
            $"{(d.Num("mailboxes") is { } n ? $" of {Count(n, "mailbox", "mailboxes")}" : "")}{(d.Str("trigger") == "Scheduled" ? " on schedule" : "")}.",
        ["run.cancelled"] = (a, d) => $"{a} cancelled the {RunName(d.Str("kind"))}.",
        ["run.resumed"] = (a, d) => $"The console resumed the {RunName(d.Str("kind"))} after a restart.",
        ["run.ended"] = (a, d) => $"The {RunName(d.Str("kind"))} {Ended(d.Str("status"))}{(d.Str("message") is { } m ? ": " + m.TrimEnd('.') : "")}.",
        ["gate.ready"] = (a, d) => $"The gate became ready: {GateFigures(d)}.",
        ["gate.blocked"] = (a, d) => $"The gate is blocked: {GateFigures(d)}{FirstReason(d)}.",
        ["gate.approved"] = (a, d) => $"{a} approved the gate: {GateFigures(d)}{d.Opt("comment", ", comment “{0}”")}" +
            $"{(d.Bool("acceptedMissing") ? ", accepting the missing messages" : "")}.",
        ["gate.revoked"] = (a, d) => a == "system"
            ? d.Str("comment") is { } c && c.StartsWith("Revoked ", StringComparison.Ordinal)
                ? $"The gate approval was r{c.TrimEnd('.')[1..]}."
                : $"The gate approval was revoked automatically{d.Opt("comment", ": {0}")}."
            : $"{a} revoked the gate approval{d.Opt("comment", ", comment “{0}”")}.",
        ["schedule.updated"] = (a, d) => d.Bool("enabled")
            ? $"{a} scheduled delta syncs {(d.Str("cron") is { } cron ? $"with the cron expression {cron}" : $"every {Count(d.Num("everyHours"), "hour", "hours")}")}."
            : $"{a} turned the scheduled delta syncs off.",
        ["schedule.started"] = (a, d) => "The schedule started a delta sync.",
        ["schedule.skipped"] = (a, d) => $"The schedule skipped a delta sync{d.Opt("reason", ": {0}")}.",
        ["pst.import.started"] = (a, d) => $"{a} started importing {d.Str("file") ?? "a file"}{d.Opt("rootFolder", " into {0}")}.",
        ["zimbra.import.started"] = (a, d) => $"{a} started importing the Zimbra export {d.Str("file") ?? "a file"}{d.Opt("rootFolder", " into {0}")}.",
        ["zimbra.export.started"] = (a, d) => $"{a} started exporting {d.Str("account") ?? "a Zimbra account"} from the Zimbra server over SSH{d.Opt("rootFolder", " into {0}")}{d.Opt("query", " (only {0})")}.",
        ["zimbra.ssh.saved"] = (a, d) => $"{a} set the Zimbra server to {d.Str("user") ?? "?"}@{d.Str("host") ?? "?"}{d.Opt("port", ":{0}")}{d.Opt("hostKey", ", trusting host key {0}")}.",
        ["pst.quarantine.retried"] = (a, d) => $"{a} retried the quarantined messages of {d.Str("file") ?? "an import"}.",
        ["desk.updated"] = (a, d) => $"{a} changed the helpdesk connection{(d.Bool("enabled") ? "" : " (turned off)")}{(d.Bool("tokenChanged") ? " and its token" : "")}.",
        ["report.attach_requested"] = (a, d) => $"{a} asked to attach the job's report to ticket {d.Str("ticketId")}.",
        ["webhook.added"] = (a, d) => $"{a} added the webhook {d.Str("url")}.",
        ["webhook.deleted"] = (a, d) => $"{a} deleted the webhook {d.Str("url")}.",
        ["webhook.test"] = (a, d) => $"{a} sent a test event to the webhook {d.Str("url")}.",
        ["webhook.redeliver"] = (a, d) => $"{a} asked to deliver the {d.Str("type") ?? "webhook"} event again.",
        ["user.created"] = (a, d) => $"{a} created the account {d.Str("email")}{d.Opt("role", " ({0})")}.",
        ["user.role_changed"] = (a, d) => $"{a} changed the role of {d.Str("email")}{d.Opt("to", " to {0}")}.",
        ["user.password_reset"] = (a, d) => $"{a} reset the password of {d.Str("email")}.",
        ["user.password_changed"] = (a, d) => $"{a} changed their own password.",
        ["user.disabled"] = (a, d) => $"{a} disabled the account {d.Str("email")}.",
        ["user.enabled"] = (a, d) => $"{a} enabled the account {d.Str("email")}.",
        ["token.created"] = (a, d) => $"{a} created the API token “{d.Str("name")}”.",
        ["token.bootstrapped"] = (a, d) => "The console created the first API token from its configuration.",
        ["token.revoked"] = (a, d) => $"{a} revoked the API token “{d.Str("name")}”.",
    };

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

        var verb = action.Replace('_', ' ').Split('.', 2) is [var noun, var what] ? $"{what.Replace('.', ' ')} {noun}" : action;
        var name = d.Str("sourceLogin") ?? d.Str("login") ?? d.Str("email") ?? d.Str("name") ?? $"{entityType} {Short(entityId)}";
        var summary = d.Summary();
        return $"{actor}: {verb} ({name}){(summary is null ? "" : " — " + summary)}.";
    }

    private static string Mailbox(Details d) => d.Str("sourceLogin") ?? d.Str("mailbox") ?? d.Str("login") ?? "(unnamed)";

    private static string RunName(string? kind) => kind switch
    {
        "Preflight" => "pre-flight",
        "Pst" => "PST import",
        "Mbox" => "mbox import",
        null => "run",
        _ => kind.ToLowerInvariant() + " sync",
    };

    private static string Article(string noun) => ("aeiou".Contains(noun[0]) ? "an " : "a ") + noun;

    private static string Ended(string? status) => status switch
    {
        "Succeeded" => "succeeded",
        "Failed" => "failed",
        "Cancelled" => "was cancelled",
        "Interrupted" => "was interrupted",
        _ => "ended",
    };

    private static string GateFigures(Details d)
    {
        var dst = d.Num("destinationMessages");
        var src = d.Num("sourceMessages");
        var ratio = d.Dbl("ratio");
        return src is null ? "no figures yet"
            : $"{dst ?? 0:N0} of {src:N0} messages{(ratio is { } r ? $" ({r.ToString("P2", CultureInfo.InvariantCulture)})" : "")}, grade {d.Str("grade")?.ToLowerInvariant() ?? "unknown"}";
    }

    private static string FirstReason(Details d) => d.FirstString("reasons") is { } reason ? $" — {reason.TrimEnd('.')}" : "";

    private static string Count(long? n, string one, string many) => n is null ? many : $"{n:N0} {(n == 1 ? one : many)}";

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

        public string Opt(string name, string format) => Str(name) is { } s ? string.Format(CultureInfo.InvariantCulture, format, s) : "";

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
                _ => string.Join(", ", items[..^1]) + " and " + items[^1],
            };
        }

        public string? FirstString(string name) => Get(name) is { ValueKind: JsonValueKind.Array } a
            ? a.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()).FirstOrDefault()
            : null;

        /// <summary>The names of the given members that are present ("name and ticket").</summary>
        public string? Joined(params string[] names)
        {
            var present = names.Where(n => Get(n) is not null).Select(n => n switch { "ticketId" => "ticket", _ => n }).ToList();
            return present.Count switch
            {
                0 => null,
                1 => present[0],
                _ => string.Join(", ", present[..^1]) + " and " + present[^1],
            };
        }

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
