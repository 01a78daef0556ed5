using Ligbox.Core.Runs;
using Microsoft.Extensions.Localization;

namespace Ligbox.Console.Components.Pages.Jobs.Components;

/// <summary>
/// Marker for the texts of the runs, imports, log viewer, schedule and Zimbra components: <c>RunsText.pt.resx</c>.
/// Also the words for a run's kind and status those components share.
/// </summary>
public sealed class RunsText
{
    /// <summary>A run's kind in words ("Pre-flight", "Initial sync", …).</summary>
    public static string Kind(IStringLocalizer<RunsText> L, RunKind kind) => kind switch
    {
        RunKind.Preflight => L["Pre-flight"],
        RunKind.Initial => L["Initial sync"],
        RunKind.Delta => L["Delta sync"],
        RunKind.Final => L["Final sync"],
        RunKind.Pst => L["PST/mbox import"],
        RunKind.Tgz => L["Zimbra import"],
        RunKind.Verify => L["Verification"],
        _ => kind.ToString(),
    };

    /// <summary>A run's (or a run's mailbox's) status in words, as <see cref="Run.Describe"/> says it in English.</summary>
    public static string Status(IStringLocalizer<RunsText> L, RunStatus status) => status switch
    {
        RunStatus.Queued => L["Queued"],
        RunStatus.Running => L["Running"],
        RunStatus.Succeeded => L["Succeeded"],
        RunStatus.Failed => L["Failed"],
        RunStatus.Cancelled => L["Cancelled"],
        RunStatus.Interrupted => L["Interrupted: start a new run or cancel it"],
        RunStatus.Resuming => L["Waiting to resume"],
        _ => status.ToString(),
    };
}
