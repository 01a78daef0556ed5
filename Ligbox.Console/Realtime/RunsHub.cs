using Ligbox.Console.Auth;
using Ligbox.Core;
using Ligbox.Core.Runs;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Ligbox.Console.Realtime;

/// <summary>
/// Live runs for external clients at <c>/hubs/runs</c> (the job page itself listens to
/// <see cref="RunProgressNotifier"/> in-process). People sign in with the cookie (<c>can_manage_migration</c>),
/// API clients with a token holding <c>jobs:read</c>: as <c>Authorization: Bearer</c>, or as the
/// <c>access_token</c> query parameter where WebSockets cannot send headers (browsers).
/// A connection follows one job, or one run of it, at a time; <see cref="Subscribe"/> again to switch.
/// </summary>
[Authorize(Policy = Policies.JobsRead)]
public sealed class RunsHub(RunService runs, RunProgressNotifier notifier) : Hub
{
    public const string Path = "/hubs/runs";
    private const string GroupKey = "ligbox:group";

    public static string JobGroup(Guid jobId) => $"job:{jobId:N}";

    public static string RunGroup(Guid runId) => $"run:{runId:N}";

    /// <summary>Follows a job's runs (or only <paramref name="runId"/>); refused for an unknown job or a run of another job.</summary>
    public async Task<RunsSnapshot> Subscribe(Guid jobId, Guid? runId = null)
    {
        IReadOnlyList<RunDto> recent;
        try
        {
            recent = await runs.ListAsync(jobId, take: 20, ct: Context.ConnectionAborted);
        }
        catch (NotFoundException)
        {
            throw new HubException($"There is no migration job {jobId}: check the job id.");
        }

        if (runId is { } id && recent.All(r => r.Id != id))
        {
            var run = await TryGetRunAsync(id);
            if (run?.JobId != jobId)
            {
                throw new HubException($"The job {jobId} has no run {id}: check the run id.");
            }
        }

        // Joined before the snapshot is read, so no line falls between the two (overlaps are skipped by Seq).
        var group = runId is { } r2 ? RunGroup(r2) : JobGroup(jobId);
        await LeaveAsync();
        await Groups.AddToGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted);
        Context.Items[GroupKey] = group;

        var followed = runId ?? recent.FirstOrDefault(r => r.IsActive)?.Id;
        return new RunsSnapshot(jobId, followed, recent.Select(RunStatusMessage.From).ToList(),
            followed is { } f ? await LinesAsync(f) : [],
            followed is { } g ? notifier.GetProgress(g) : []);
    }

    /// <summary>The live lines; for a run this process did not execute (before a restart), the end of its log file.</summary>
    private async Task<IReadOnlyList<RunLogLine>> LinesAsync(Guid runId)
    {
        var live = notifier.GetLinesSince(runId, 0);
        return live.Count > 0 ? live
            : (await runs.ReadLogTailAsync(runId, ct: Context.ConnectionAborted)).Select((text, i) => RunLogLine.From(i + 1, text)).ToList();
    }

    /// <summary>Stops following.</summary>
    public Task Unsubscribe() => LeaveAsync();

    private async Task LeaveAsync()
    {
        if (Context.Items.Remove(GroupKey, out var previous) && previous is string group)
        {
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, group);
        }
    }

    private async Task<RunDto?> TryGetRunAsync(Guid runId)
    {
        try
        {
            return await runs.GetAsync(runId, Context.ConnectionAborted);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }
}
