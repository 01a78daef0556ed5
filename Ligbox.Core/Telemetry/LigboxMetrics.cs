using System.Diagnostics.Metrics;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Ligbox.Core.Telemetry;

/// <summary>
/// The console's metrics (meter <see cref="MeterName"/>), exported by the console on <c>/metrics</c> (Prometheus).
/// Counters and the duration histogram are fed where the facts are decided: the run pipeline when a run ends, the
/// webhook dispatcher when a delivery attempt fails. The gauges (active runs, queue, gates) are read from the
/// database when scraped, so they are right after a restart too; they are cached for a few seconds.
/// </summary>
public sealed class LigboxMetrics
{
    public const string MeterName = "Ligbox";
    private static readonly TimeSpan GaugeCacheFor = TimeSpan.FromSeconds(5);
    private static readonly RunStatus[] ActiveStatuses = [RunStatus.Queued, RunStatus.Running, RunStatus.Resuming];
    private readonly IDbContextFactory<LigboxDbContext> _dbFactory;
    private readonly TimeProvider _clock;
    private readonly ILogger<LigboxMetrics> _logger;
    private readonly Counter<long> _runsEnded;
    private readonly Counter<long> _messagesCopied;
    private readonly Counter<long> _bytesCopied;
    private readonly Histogram<double> _runDuration;
    private readonly Counter<long> _webhookFailures;
    private readonly Lock _gaugeLock = new();
    private Gauges? _gauges;

    public LigboxMetrics(IMeterFactory meters, IDbContextFactory<LigboxDbContext> dbFactory, TimeProvider clock, ILogger<LigboxMetrics> logger)
    {
        _dbFactory = dbFactory;
        _clock = clock;
        _logger = logger;
        var meter = meters.Create(MeterName);
        _runsEnded = meter.CreateCounter<long>("ligbox.runs.ended", "{run}", "Runs that ended, by kind and final status.");
        _messagesCopied = meter.CreateCounter<long>("ligbox.messages.copied", "{message}", "Messages copied or appended to destinations by runs that ended, by run kind.");
        _bytesCopied = meter.CreateCounter<long>("ligbox.copied", "By", "Bytes copied or appended to destinations by runs that ended, by run kind.");
        _runDuration = meter.CreateHistogram("ligbox.run.duration", "s", "How long runs took from start to end, by kind and final status.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400] });
        _webhookFailures = meter.CreateCounter<long>("ligbox.webhook.delivery.failures", "{attempt}",
            "Webhook delivery attempts that failed, by event; final=true when the delivery gave up.");
        meter.CreateObservableGauge("ligbox.runs.active", () => ReadGauges().Active, "{run}", "Runs queued, running or waiting to resume, by status.");
        meter.CreateObservableGauge("ligbox.runs.queue.length", () => ReadGauges().Queue, "{run}", "Runs waiting for a worker: queued or waiting to resume.");
        meter.CreateObservableGauge("ligbox.gates", () => ReadGauges().GateStates, "{job}", "Migration gates by state.");
    }

    /// <summary>A run ended (succeeded, failed, cancelled, interrupted): its count, duration and what it copied.</summary>
    /// <param name="run">The run as stored at its end.</param>
    /// <param name="messages">Messages it copied or appended.</param>
    /// <param name="bytes">Bytes it copied or appended.</param>
    public void RunEnded(Run run, long messages, long bytes)
    {
        ArgumentNullException.ThrowIfNull(run);
        var kind = new KeyValuePair<string, object?>("kind", run.Kind.ToString().ToLowerInvariant());
        var status = new KeyValuePair<string, object?>("status", run.Status.ToString().ToLowerInvariant());
        _runsEnded.Add(1, kind, status);
        _messagesCopied.Add(messages, kind);
        _bytesCopied.Add(bytes, kind);
        if (run.Duration is { } duration)
        {
            _runDuration.Record(duration.TotalSeconds, kind, status);
        }
    }

    /// <summary>A webhook delivery attempt failed; <paramref name="final"/> when no attempt follows.</summary>
    public void WebhookDeliveryFailed(string eventType, bool final) =>
        _webhookFailures.Add(1, new KeyValuePair<string, object?>("event", eventType), new KeyValuePair<string, object?>("final", final ? "true" : "false"));

    private Gauges ReadGauges()
    {
        lock (_gaugeLock)
        {
            var now = _clock.GetUtcNow();
            if (_gauges is { } cached && now - cached.ReadAt < GaugeCacheFor)
            {
                return cached;
            }

            try
            {
                // Observable instruments are read synchronously by the exporter: two small GROUP BY queries.
                using var db = _dbFactory.CreateDbContext();
                var runs = db.Runs.Where(r => ActiveStatuses.Contains(r.Status)).GroupBy(r => r.Status).Select(g => new { g.Key, Count = g.Count() }).ToList();
                var gates = db.Gates.GroupBy(g => g.State).Select(g => new { g.Key, Count = g.Count() }).ToList();
                var active = ActiveStatuses.Select(s => Measure(runs.FirstOrDefault(r => r.Key == s)?.Count ?? 0, "status", s)).ToList();
                var queue = runs.Where(r => r.Key is RunStatus.Queued or RunStatus.Resuming).Sum(r => r.Count);
                var gateStates = Enum.GetValues<Gate.GateState>().Select(s => Measure(gates.FirstOrDefault(g => g.Key == s)?.Count ?? 0, "state", s)).ToList();
                _gauges = new Gauges(now, active, [new Measurement<long>(queue)], gateStates);
            }
            catch (Exception ex)
            {
                // A scrape must not fail because the database is busy: the last figures stay (none before the first read).
                _logger.LogWarning(ex, "Could not read the run and gate gauges from the database");
                _gauges ??= new Gauges(now, [], [], []);
            }

            return _gauges;
        }
    }

    private static Measurement<long> Measure(long value, string tag, Enum state) =>
        new(value, new KeyValuePair<string, object?>(tag, state.ToString().ToLowerInvariant()));

    private sealed record Gauges(DateTimeOffset ReadAt, IReadOnlyList<Measurement<long>> Active, IReadOnlyList<Measurement<long>> Queue,
        IReadOnlyList<Measurement<long>> GateStates);
}
