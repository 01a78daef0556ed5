using Ligbox.Core.Gate;
using Ligbox.Core.Jobs;
using Microsoft.Extensions.Localization;

namespace Ligbox.Console.Components.Shared;

/// <summary>
/// The one place that names a job's phase and a gate's state for a reader, in their language
/// (<c>SharedText.pt.resx</c>, the glossary's words). The chips, filters and sentences of every page ask here.
/// </summary>
public static class StatusNames
{
    public static string Phase(IStringLocalizer<SharedText> L, MigrationPhase phase) => phase switch
    {
        MigrationPhase.Draft => L["Draft"],
        MigrationPhase.Preflight => L["Preflight"],
        MigrationPhase.Syncing => L["Syncing"],
        MigrationPhase.FinalSync => L["Final sync"],
        MigrationPhase.GateReady => L["Gate ready"],
        MigrationPhase.GateApproved => L["Gate approved"],
        MigrationPhase.Completed => L["Completed"],
        MigrationPhase.Cancelled => L["Cancelled"],
        MigrationPhase.Failed => L["Failed"],
        _ => phase.ToString(),
    };

    /// <summary>The gate's state on its chip: "Ready", "Approved"…</summary>
    public static string Gate(IStringLocalizer<SharedText> L, GateState state) => state switch
    {
        GateState.Blocked => L["Blocked"],
        GateState.Ready => L["Ready"],
        GateState.Approved => L["Approved"],
        GateState.Revoked => L["Revoked"],
        _ => state.ToString(),
    };
}
