using System.Text.Json;
using Ligbox.Tools.NativeImap;

namespace Ligbox.Core.Runs;

/// <summary>Pre-flight: each mailbox checked by the job's engine (logins, folders, sizes, quota as far as it can tell).</summary>
public sealed class PreflightHandler(SyncHandlerSupport support) : IRunHandler
{
    public bool Handles(RunKind kind) => kind == RunKind.Preflight;

    public string Describe(RunExecution x) => $"{x.Job.Source} → {x.Job.Destination}";

    public async Task<RunOutcome> ExecuteAsync(RunExecution x, CancellationToken ct)
    {
        var engine = support.EngineFor(x.Job);
        var context = support.Context(x);
        var progress = x.Progress();
        var requests = support.Requests(x, SyncKind.Initial);
        var results = await support.InSlotsAsync(x, requests, (request, token) => support.WithOAuthTokensAsync(x, request,
            r => engine.PreflightAsync(context, r, progress, token),
            r => r.Failures.FirstOrDefault(f => f.Kind == ImapFailureKind.AuthenticationFailed),
            f => new PreflightResult { Failures = [f], LoginsOnly = true, Engine = engine.Kind.ToString().ToLowerInvariant() }, token), ct);
        var failures = new List<string>();
        foreach (var (((item, m), result), request) in x.Items.Zip(x.Mailboxes).Zip(results).Zip(requests))
        {
            // The planned mapping as the mapper will do it (destination folders not known yet: standard names).
            var planned = new FolderMapper(request.Mapping).Map(result.Folders.Select(f => new SourceFolder(f.Name, '/', f.Role)), [], '/')
                .ToDictionary(p => p.Source, p => p.Destination);
            var problems = result.Failures.Select(f => new { kind = f.Kind.ToString(), side = f.Side.ToString(), message = x.Log.Redact(f.Message) }).ToList();
            var summary = new
            {
                succeeded = result.Succeeded,
                engine = result.Engine,
                folderList = result.Folders.Select(f => new { name = f.Name, role = f.Role.ToString(), messages = f.Messages, bytes = f.Bytes, destination = planned.GetValueOrDefault(f.Name) }),
                folders = result.LoginsOnly ? (int?)null : result.Folders.Count,
                messages = result.LoginsOnly ? (long?)null : result.Folders.Sum(f => f.Messages),
                bytes = result.LoginsOnly ? (long?)null : result.Folders.Sum(f => f.Bytes),
                quota = result.Quota,
                exitCode = result.ExitCode,
                exitMeaning = result.ExitMeaning,
                failures = problems,
            };
            var message = !result.Succeeded ? string.Join("; ", problems.Select(p => p.message))
                : result.LoginsOnly ? $"Pre-flight OK: {result.Engine} logged in to the source and the destination."
                : $"Pre-flight OK: {summary.folders} folders, {summary.messages} messages, {summary.bytes:N0} bytes.";
            item.Record(result.Succeeded, message, JsonSerializer.Serialize(summary, RunPipeline.Json));
            if (result.Succeeded)
            {
                m.MarkReady(message);
            }
            else
            {
                m.MarkFailed(message);
                failures.Add(message);
            }

            x.Line(m.SourceLogin, message);
            await x.Db.SaveChangesAsync(ct);
            x.Changed();
        }

        var stats = JsonSerializer.Serialize(new { mailboxes = x.Items.Count, failed = failures.Count }, RunPipeline.Json);
        return failures.Count == 0
            ? RunOutcome.Success($"Pre-flight OK for {x.Items.Count} mailbox(es).", stats)
            : RunOutcome.Failure($"Pre-flight failed for {failures.Count} of {x.Items.Count} mailbox(es): {string.Join("; ", failures)}", stats);
    }
}
