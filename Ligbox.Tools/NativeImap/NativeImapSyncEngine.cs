using Ligbox.Tools.Statistics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Ligbox.Tools.NativeImap;

/// <summary>
/// The native MailKit IMAP → IMAP engine. Thread-safe: register it as a singleton; the connection limit
/// per server (<see cref="NativeImapOptions.MaxConnectionsPerServer"/>) is shared by every pass it runs.
/// </summary>
public sealed partial class NativeImapSyncEngine : IImapSyncEngine
{
    private readonly NativeImapOptions _options;
    private readonly ILogger _logger;
    private readonly ImapConnector _connector;

    /// <summary>Creates the engine.</summary>
    public NativeImapSyncEngine(IOptions<NativeImapOptions> options, ILogger<NativeImapSyncEngine>? logger = null)
    {
        _options = options.Value;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _connector = new ImapConnector(_options, Commands);
    }

    /// <summary>Creates the engine with explicit options (tests, bench).</summary>
    public NativeImapSyncEngine(NativeImapOptions? options = null)
        : this(Options.Create(options ?? new NativeImapOptions()))
    {
    }

    /// <summary>IMAP commands sent by this engine so far, by verb.</summary>
    public ImapCommandCounter Commands { get; } = new();

    /// <inheritdoc />
    public async Task<SyncStatistics> SyncAsync(
        SyncRequest request, ISyncStateStore state, IProgress<SyncProgressEvent>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(state);
        var run = new MailboxSyncRun(_options, _connector, request, state, progress, _logger);
        return await run.RunAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<MailboxSyncResult>> SyncManyAsync(
        IReadOnlyList<SyncRequest> requests, int maxDegreeOfParallelism, ISyncStateStore state,
        IProgress<SyncProgressEvent>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDegreeOfParallelism, 1);
        var results = new MailboxSyncResult[requests.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, requests.Count),
            new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                try
                {
                    results[i] = new MailboxSyncResult(requests[i], await SyncAsync(requests[i], state, progress, ct), null);
                }
                catch (ImapSyncException ex)
                {
                    results[i] = new MailboxSyncResult(requests[i], null, ex.Failure);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One broken mailbox (or state store hiccup) must not stop the others.
                    _logger.LogError(ex, "{Mailbox}: sync failed", requests[i].EffectiveMailboxKey);
                    results[i] = new MailboxSyncResult(requests[i], null,
                        new ImapFailure(ImapFailureKind.Unknown, ImapSide.Destination, $"sync of {requests[i].Source.User} failed: {ex.Message}", ex.GetType().Name));
                }
            });
        return results;
    }
}
