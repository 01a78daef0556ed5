using System.Text.Json;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Ligbox.Core.Sync;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Statistics;

namespace Ligbox.Core.Runs;

/// <summary>
/// An initial, delta or final pass of the run's mailboxes on the job's engine (<c>engines.Get(kind)</c>: no
/// engine branches here). A final is "verified" only for mailboxes whose engine verified every message
/// (<see cref="SyncStatistics.MissingOnDestination"/> known and 0); only then may the job move to GateReady.
/// </summary>
public sealed class SyncPassHandler(SyncHandlerSupport support, IImapSyncEngine planner, EfSyncStateStore state) : IRunHandler
{
    private const int NamedMissing = 10;

    public bool Handles(RunKind kind) => kind is RunKind.Initial or RunKind.Delta or RunKind.Final;

    public string Describe(RunExecution x) => $"{x.Job.Source} → {x.Job.Destination}";

    public async Task<RunOutcome> ExecuteAsync(RunExecution x, CancellationToken ct)
    {
        var kind = x.Run.Kind switch
        {
            RunKind.Delta => SyncKind.Delta,
            RunKind.Final => SyncKind.Final,
            _ => SyncKind.Initial,
        };
        var requests = support.Requests(x, kind);
        if (x.Run.DryRun)
        {
            return await DryRunAsync(x, requests, ct);
        }

        var engine = support.EngineFor(x.Job);
        foreach (var m in x.Mailboxes.Where(m => m.Status != MailboxStatus.Syncing))
        {
            m.MarkSyncing();
        }

        await x.Db.SaveChangesAsync(ct);
        var context = support.Context(x);
        var progress = x.Progress();
        var results = await support.InSlotsAsync(x, requests, (request, token) => support.WithOAuthTokensAsync(x, request,
            r => engine.SyncAsync(context, r, progress, token),
            r => r.Failure is { Kind: ImapFailureKind.AuthenticationFailed } f ? f : null, f => new MailboxSyncResult(request, null, f), token), ct);
        ct.ThrowIfCancellationRequested();

        var failed = new List<string>();
        var unverified = new List<string>();
        var total = new List<SyncStatistics>();
        foreach (var ((result, item), m) in results.Zip(x.Items).Zip(x.Mailboxes))
        {
            if (result is { Succeeded: true, Statistics: { } st })
            {
                total.Add(st);
                var message = $"{st.MessagesTransferred} copied, {st.MessagesSkipped} already there, {st.Errors} errors" +
                    (st.SourceMessages is { } sm ? $"; source {sm}, destination {st.DestinationMessages}" : "") +
                    (st.MessagesDeleted > 0 ? $"; {st.MessagesDeleted} deleted on the destination (gone from the source)" : "") +
                    (kind == SyncKind.Final ? "; " + Verification(st) : "") + ".";
                // A pass that completed succeeded; messages it could not verify are evidence for the gate,
                // which names them and lets an ops lead decide (grade "investigate"), not a failed mailbox.
                item.Record(true, message, RunStatisticsSerializer.Write(st));
                if (st.SourceMessages is { } src && st.DestinationMessages is { } dst)
                {
                    m.RecordCounts(src, dst, x.Now);
                }
                else
                {
                    m.MarkReady(message);
                }

                if (kind == SyncKind.Final && st.MissingOnDestination is not 0)
                {
                    unverified.Add($"{m.SourceLogin}: {Verification(st)}");
                }

                x.Line(m.SourceLogin, message);
            }
            else
            {
                var message = x.Log.Redact(result.Failure?.Message ?? "the pass did not complete");
                item.Record(false, message, result.Statistics is null ? null : RunStatisticsSerializer.Write(result.Statistics));
                m.MarkFailed(message);
                failed.Add($"{m.SourceLogin}: {message}");
                x.Line(m.SourceLogin, "Failed: " + message);
            }
        }

        var summary = JsonSerializer.Serialize(new
        {
            mailboxes = x.Items.Count,
            failed = failed.Count,
            unverified = unverified.Count,
            messagesTransferred = total.Sum(s => s.MessagesTransferred),
            messagesSkipped = total.Sum(s => s.MessagesSkipped),
            messagesDeleted = total.Sum(s => s.MessagesDeleted),
            bytesTransferred = total.Sum(s => s.BytesTransferred),
            errors = total.Sum(s => s.Errors),
            sourceMessages = total.Sum(s => s.SourceMessages ?? 0),
            destinationMessages = total.Sum(s => s.DestinationMessages ?? 0),
            missingOnDestination = kind == SyncKind.Final ? total.Sum(s => s.MissingOnDestination ?? 0) : (int?)null,
        }, RunPipeline.Json);
        if (failed.Count > 0)
        {
            return RunOutcome.Failure($"{failed.Count} of {x.Items.Count} mailbox(es) failed: {string.Join("; ", failed)}", summary);
        }

        var copied = total.Sum(s => s.MessagesTransferred);
        if (kind != SyncKind.Final)
        {
            return RunOutcome.Success($"{x.Run.Kind} sync of {x.Items.Count} mailbox(es) done: {copied} messages copied.", summary);
        }

        if (unverified.Count > 0)
        {
            return RunOutcome.Success($"Final sync of {x.Items.Count} mailbox(es) done: {copied} messages copied; not verified: {string.Join("; ", unverified)} " +
                "(see the gate, or run a delta to copy what is missing).", summary);
        }

        if (x.Items.Count == x.Job.Mailboxes.Count && MigrationJob.CanMoveTo(x.Job.Phase, MigrationPhase.GateReady))
        {
            x.Job.MoveTo(MigrationPhase.GateReady, x.Now, "Final sync verified.");
        }

        return RunOutcome.Success($"Final sync of {x.Items.Count} mailbox(es) done: {copied} messages copied, every message verified on the destination.", summary);
    }

    /// <summary>What a final pass verified, naming the missing messages the statistics carry.</summary>
    private static string Verification(SyncStatistics st) => st.MissingOnDestination switch
    {
        null => $"not verified: the {st.Engine} engine did not verify the destination",
        var n => $"missing on the destination: {n}" + (n == 0 || st.Missing.Count == 0 ? "" :
            " (" + string.Join(", ", st.Missing.Take(NamedMissing).Select(mm => $"{mm.Folder}/{mm.Subject ?? mm.MessageId ?? "(no subject)"}")) +
            (n > Math.Min(st.Missing.Count, NamedMissing) ? $" and {n - Math.Min(st.Missing.Count, NamedMissing)} more" : "") + ")"),
    };

    /// <summary>
    /// A dry run reads the source and plans with the native engine whichever engine the job uses: it writes
    /// nothing, and imapsync's --dry prints no plan per folder.
    /// </summary>
    private async Task<RunOutcome> DryRunAsync(RunExecution x, List<SyncRequest> requests, CancellationToken ct)
    {
        var plans = new List<object>();
        foreach (var (request, item) in requests.Zip(x.Items))
        {
            var plan = await planner.PlanAsync(request, state, ct);
            var message = $"Dry run: {plan.Folders.Count} folders, {plan.SourceMessages} messages on the source, at most {plan.ToCopy} to copy.";
            item.Record(true, message, JsonSerializer.Serialize(plan, RunPipeline.Json));
            x.Line(item.SourceLogin, message);
            plans.Add(new { item.SourceLogin, plan.SourceMessages, plan.ToCopy });
        }

        return RunOutcome.Success("Dry run: nothing was written.", JsonSerializer.Serialize(plans, RunPipeline.Json));
    }
}
