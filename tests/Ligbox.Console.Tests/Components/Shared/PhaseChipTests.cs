using Bunit;
using Ligbox.Console.Components.Shared;
using Ligbox.Core.Jobs;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace Ligbox.Console.Tests.Components.Shared;

public class PhaseChipTests
{
    [Theory]
    [InlineData(MigrationPhase.Draft, "Draft")]
    [InlineData(MigrationPhase.FinalSync, "Final sync")]
    [InlineData(MigrationPhase.GateReady, "Gate ready")]
    [InlineData(MigrationPhase.GateApproved, "Gate approved")]
    [InlineData(MigrationPhase.Cancelled, "Cancelled")]
    public async Task ShowsReadableLabelAndPhase_WhenRendered(MigrationPhase phase, string label)
    {
        await using var ctx = new BunitContext();
        ctx.Services.AddMudServices();
        ctx.Services.AddLocalization();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;

        var cut = ctx.Render<PhaseChip>(p => p.Add(c => c.Phase, phase));

        var chip = cut.Find("[data-testid=phase-chip]");
        Assert.Equal(label, chip.TextContent.Trim());
        Assert.Equal(phase.ToString(), chip.GetAttribute("data-phase"));
    }

    [Fact]
    public void GivesEveryPhaseItsOwnColour_WhenPhasesDiffer()
    {
        var colours = Enum.GetValues<MigrationPhase>().Select(PhaseChip.ColorOf).ToList();

        Assert.Equal(colours.Count, colours.Distinct().Count());
        Assert.Equal(Color.Error, PhaseChip.ColorOf(MigrationPhase.Failed));
        Assert.Equal(Color.Success, PhaseChip.ColorOf(MigrationPhase.Completed));
    }
}
