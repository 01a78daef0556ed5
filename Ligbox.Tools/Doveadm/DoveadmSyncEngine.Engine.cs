using Ligbox.Tools.Engines;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Processes;

namespace Ligbox.Tools.Doveadm;

/// <summary>The doveadm engine as an <see cref="IMigrationEngine"/>: failures come back classified, not thrown.</summary>
public sealed partial class DoveadmSyncEngine : IMigrationEngine
{
    /// <inheritdoc />
    public EngineKind Kind => EngineKind.Doveadm;

    /// <inheritdoc />
    public string? UnavailableReason()
    {
        if (ExecutableLocator.Find(_settings.DoveadmPath) is null)
        {
            var missing = DoveadmMissing();
            return char.ToUpperInvariant(missing[0]) + missing[1..];
        }

        return File.Exists(_settings.EffectiveConfigFile)
            ? null
            : $"The Dovecot configuration {_settings.EffectiveConfigFile} (Tools:Doveadm:ConfigFile) does not exist on this host: the doveadm engine works only where the destination Dovecot runs. Use the native engine, or set Tools:Doveadm:ConfigFile.";
    }

    /// <inheritdoc />
    public async Task<PreflightResult> PreflightAsync(EngineRunContext context, SyncRequest request, IProgress<SyncProgressEvent>? progress, CancellationToken cancellationToken)
    {
        var result = await PreflightAsync(request, cancellationToken);
        foreach (var failure in result.Failures)
        {
            progress?.Report(new SyncProgressEvent { MailboxKey = request.EffectiveMailboxKey, Stage = SyncProgressStage.Log, Message = failure.Message });
        }

        return result with { Engine = EngineName };
    }

    /// <inheritdoc />
    public async Task<MailboxSyncResult> SyncAsync(EngineRunContext context, SyncRequest request, IProgress<SyncProgressEvent>? progress, CancellationToken cancellationToken)
    {
        try
        {
            return new MailboxSyncResult(request, await SyncAsync(request, progress, cancellationToken), null);
        }
        catch (ImapSyncException ex)
        {
            return new MailboxSyncResult(request, null, ex.Failure);
        }
    }
}
