namespace Ligbox.Tools.Inventory;

/// <summary>Detects the external tools the console drives.</summary>
public interface IToolInventory
{
    /// <summary>Detects readpst, imapsync and doveadm (in that order) with their versions.</summary>
    /// <param name="cancellationToken">Cancels the probes.</param>
    /// <returns>One status per tool; never throws for a missing or broken tool.</returns>
    Task<IReadOnlyList<ToolStatus>> DetectAsync(CancellationToken cancellationToken = default);
}
