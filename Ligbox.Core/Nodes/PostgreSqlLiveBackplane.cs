using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Ligbox.Core.Jobs;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ligbox.Core.Nodes;

/// <summary>
/// Live progress across nodes (issue 17) over PostgreSQL's LISTEN/NOTIFY: what the two in-process notifiers raise
/// as local (<see cref="RunProgressNotifier.LocalChange"/>, <see cref="JobChangeNotifier.LocalChange"/>) is sent with
/// <c>pg_notify</c> on <see cref="Channel"/>, and what other nodes sent is applied here with their
/// <c>ApplyRemote</c>, which tells this node's pages and hub but never relays it again. Every message carries this
/// process's instance id, so a node ignores its own.
/// </summary>
/// <remarks>
/// One dedicated connection LISTENs and waits (reconnecting with a growing pause if it drops: the node keeps
/// running, only live updates from other nodes pause); one sender sends in order on its own connection. Payloads
/// stay under PostgreSQL's 8000-byte limit (<see cref="Split"/>). Registered only on PostgreSQL: on SQLite there
/// is one process and nothing to relay. Nothing secret is sent: figures hold none and log lines are sanitised by
/// the engines before they reach the notifier.
/// </remarks>
public sealed class PostgreSqlLiveBackplane : IHostedService, IAsyncDisposable, IDisposable
{
    public const string Channel = "ligbox_live";

    /// <summary>PostgreSQL refuses payloads of 8000 bytes or more; the rest is left for safety.</summary>
    public const int MaxPayloadBytes = 7900;

    /// <summary>A log line longer than this (in characters) is cut before it is sent; the run log file keeps it whole.</summary>
    public const int MaxLineChars = 1000;

    private const int MaxQueued = 10_000;
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(3);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Relaxed: a payload goes to PostgreSQL, never into HTML, and escaping every non-ASCII letter would triple its size.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly RunProgressNotifier _runs;
    private readonly JobChangeNotifier _jobs;
    private readonly ILogger<PostgreSqlLiveBackplane> _logger;
    private readonly string _listenConnectionString;
    private readonly string _sendConnectionString;
    private readonly Channel<string> _outbox = System.Threading.Channels.Channel.CreateBounded<string>(
        new BoundedChannelOptions(MaxQueued) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });
    private readonly CancellationTokenSource _stopListening = new();
    private readonly CancellationTokenSource _stopSending = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _listener;
    private Task? _sender;
    private int _listenerPid;
    private int _connects;
    private int _stopped;

    public PostgreSqlLiveBackplane(RunProgressNotifier runs, JobChangeNotifier jobs, LigboxDatabase database, NodeIdentity node,
        ILogger<PostgreSqlLiveBackplane> logger)
    {
        _runs = runs;
        _jobs = jobs;
        _logger = logger;
        InstanceId = node.InstanceId;
        // Own connections, outside the pool: LISTEN state is per connection, and the sender must not wait behind the app's queries.
        _listenConnectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString)
        {
            Pooling = false,
            // Keepalives while it waits, so a connection that died silently is noticed and replaced.
            KeepAlive = 15,
            ApplicationName = "ligbox-live-listen",
        }.ConnectionString;
        _sendConnectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString)
        {
            Pooling = false,
            ApplicationName = "ligbox-live-send",
        }.ConnectionString;
    }

    /// <summary>This process's id in every message (a node ignores messages with its own).</summary>
    public Guid InstanceId { get; }

    /// <summary>Completes once the first LISTEN is in place (tests wait for it before publishing).</summary>
    public Task Listening => _listening.Task;

    /// <summary>The server process id of the current listening connection (0 while none).</summary>
    public int ListenerProcessId => Volatile.Read(ref _listenerPid);

    /// <summary>How many times the listening connection was opened (1 without reconnects).</summary>
    public int ListenConnects => Volatile.Read(ref _connects);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _runs.LocalChange += OnRunChange;
        _jobs.LocalChange += OnJobChange;
        _listener = Task.Run(() => ListenAsync(_stopListening.Token), CancellationToken.None);
        _sender = Task.Run(() => SendAsync(_stopSending.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Stops relaying, sends what is queued (for a few seconds at most: the last status of a run) and stops listening.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Once: the host stops it, and disposing the container (or a test) may stop it again.
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        _runs.LocalChange -= OnRunChange;
        _jobs.LocalChange -= OnJobChange;
        _outbox.Writer.TryComplete();
        if (_sender is not null)
        {
            _stopSending.CancelAfter(DrainTimeout);
            await _sender.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await _stopListening.CancelAsync();
        if (_listener is not null)
        {
            await _listener.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        Dispose();
    }

    /// <summary>Ends both loops without waiting (a container disposed synchronously); <see cref="StopAsync"/> is the orderly way.</summary>
    public void Dispose()
    {
        Volatile.Write(ref _stopped, 1);
        _runs.LocalChange -= OnRunChange;
        _jobs.LocalChange -= OnJobChange;
        _outbox.Writer.TryComplete();
        // Cancelled, never disposed: a StopAsync still draining (the host stopping while the container is disposed)
        // cancels them after this, and a disposed source would throw there. They hold no timer once cancelled.
        _stopSending.Cancel();
        _stopListening.Cancel();
    }

    /// <summary>
    /// The payloads of one run relay, each under <paramref name="maxBytes"/>: one when it fits; otherwise the figures
    /// packed per mailbox, then the lines in chunks, then the status and clear flags last (so another node applies
    /// the figures and lines before it reads the run's new status). A mailbox whose figures alone are too big loses
    /// its completed folders (then every folder but the current one); a line too long is cut.
    /// </summary>
    public static IReadOnlyList<string> Split(Guid instanceId, RunRelay relay, int maxBytes = MaxPayloadBytes)
    {
        var whole = Serialize(RunMessage(instanceId, relay, relay.Progress, relay.Lines, relay.StatusChanged, relay.Cleared));
        if (Size(whole) <= maxBytes)
        {
            return [whole];
        }

        var payloads = new List<string>();
        // The room left by the envelope; each item also costs its separator.
        var room = maxBytes - Size(Serialize(RunMessage(instanceId, relay, [], [], true, true))) - 64;
        var batch = new List<MailboxProgress>();
        var used = 0;
        foreach (var mailbox in relay.Progress)
        {
            var figures = Fit(mailbox, room);
            var size = Size(Serialize(figures)) + 1;
            if (batch.Count > 0 && used + size > room)
            {
                payloads.Add(Serialize(RunMessage(instanceId, relay, batch, null, false, false)));
                (batch, used) = ([], 0);
            }

            batch.Add(figures);
            used += size;
        }

        if (batch.Count > 0)
        {
            payloads.Add(Serialize(RunMessage(instanceId, relay, batch, null, false, false)));
        }

        var lines = new List<string>();
        used = 0;
        foreach (var text in relay.Lines)
        {
            var line = text.Length > MaxLineChars ? text[..MaxLineChars] + "…" : text;
            var size = Size(Serialize(line)) + 1;
            if (lines.Count > 0 && used + size > room)
            {
                payloads.Add(Serialize(RunMessage(instanceId, relay, null, lines, false, false)));
                (lines, used) = ([], 0);
            }

            lines.Add(line);
            used += size;
        }

        if (lines.Count > 0)
        {
            payloads.Add(Serialize(RunMessage(instanceId, relay, null, lines, false, false)));
        }

        if (relay.StatusChanged || relay.Cleared)
        {
            payloads.Add(Serialize(RunMessage(instanceId, relay, null, null, relay.StatusChanged, relay.Cleared)));
        }

        return payloads;
    }

    /// <summary>A mailbox's figures small enough for one payload: completed folders go first, then all but the current one.</summary>
    private static MailboxProgress Fit(MailboxProgress figures, int room)
    {
        if (Size(Serialize(figures)) <= room)
        {
            return figures;
        }

        var open = figures with { Folders = figures.Folders.Where(f => !f.Completed).ToList() };
        if (Size(Serialize(open)) <= room)
        {
            return open;
        }

        return figures with { Folders = figures.Folders.Where(f => f.Folder == figures.Folder).ToList() };
    }

    private static BackplaneMessage RunMessage(Guid instanceId, RunRelay relay, IReadOnlyList<MailboxProgress>? progress, IReadOnlyList<string>? lines,
        bool statusChanged, bool cleared) =>
        new(instanceId, relay.JobId, relay.RunId, null, progress is { Count: > 0 } ? progress : null, lines is { Count: > 0 } ? lines : null,
            statusChanged ? true : null, cleared ? true : null);

    private static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);

    private static int Size(string payload) => Encoding.UTF8.GetByteCount(payload);

    private void OnRunChange(RunRelay relay)
    {
        foreach (var payload in Split(InstanceId, relay))
        {
            _outbox.Writer.TryWrite(payload);
        }
    }

    private void OnJobChange(Guid jobId, JobChangeKinds kinds) =>
        _outbox.Writer.TryWrite(Serialize(new BackplaneMessage(InstanceId, jobId, null, kinds, null, null, null, null)));

    private async Task ListenAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_listenConnectionString);
                connection.Notification += (_, e) => OnNotification(e.Payload);
                await connection.OpenAsync(ct);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }

                Volatile.Write(ref _listenerPid, connection.ProcessID);
                if (Interlocked.Increment(ref _connects) > 1 || failures > 0)
                {
                    _logger.LogInformation("Live updates from other nodes: listening again on PostgreSQL channel {Channel}", Channel);
                }

                failures = 0;
                _listening.TrySetResult();
                while (true)
                {
                    await connection.WaitAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                Volatile.Write(ref _listenerPid, 0);
                var pause = Backoff(++failures);
                // Updates sent meanwhile are lost; pages still reload runs and jobs from the database.
                _logger.LogWarning("Live updates from other nodes paused: the listening connection to PostgreSQL failed ({Error}); retrying in {Pause} s",
                    ex.Message, pause.TotalSeconds);
                try
                {
                    await Task.Delay(pause, ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        Volatile.Write(ref _listenerPid, 0);
    }

    private void OnNotification(string payload)
    {
        try
        {
            var message = JsonSerializer.Deserialize<BackplaneMessage>(payload, Json);
            if (message is null || message.Instance == InstanceId)
            {
                return;
            }

            if (message.RunId is { } runId)
            {
                _runs.ApplyRemote(new RunRelay(message.JobId, runId, message.Progress ?? [], message.Lines ?? [], message.StatusChanged == true, message.Cleared == true));
            }
            else if (message.Kinds is { } kinds)
            {
                _jobs.ApplyRemote(message.JobId, kinds);
            }
        }
        catch (JsonException ex)
        {
            // Another version of the console, or something else on the channel: not ours to apply.
            _logger.LogDebug(ex, "Ignored a message on PostgreSQL channel {Channel} that is not a live update", Channel);
        }
    }

    private async Task SendAsync(CancellationToken ct)
    {
        NpgsqlConnection? connection = null;
        var failures = 0;
        try
        {
            while (await _outbox.Reader.WaitToReadAsync(ct))
            {
                while (_outbox.Reader.TryRead(out var payload))
                {
                    // One retry on a fresh connection; then the update is dropped (live updates are best effort).
                    for (var attempt = 1; attempt <= 2; attempt++)
                    {
                        try
                        {
                            if (connection is null)
                            {
                                connection = new NpgsqlConnection(_sendConnectionString);
                                await connection.OpenAsync(ct);
                            }

                            await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection);
                            notify.Parameters.AddWithValue("channel", Channel);
                            notify.Parameters.AddWithValue("payload", payload);
                            await notify.ExecuteNonQueryAsync(ct);
                            failures = 0;
                            break;
                        }
                        catch (Exception ex) when (!ct.IsCancellationRequested)
                        {
                            if (connection is not null)
                            {
                                await connection.DisposeAsync();
                                connection = null;
                            }

                            var pause = Backoff(++failures);
                            _logger.LogWarning("Could not send a live update to other nodes through PostgreSQL ({Error}){Dropped}; retrying in {Pause} s",
                                ex.Message, attempt == 2 ? ", dropped it" : "", pause.TotalSeconds);
                            await Task.Delay(pause, ct);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping: what is still queued is not sent.
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private static TimeSpan Backoff(int failures) => TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(failures, 6) - 1)));

    /// <summary>One NOTIFY payload: a run's figures, lines and flags (with <see cref="RunId"/>), or a job's change kinds.</summary>
    private sealed record BackplaneMessage(Guid Instance, Guid JobId, Guid? RunId, JobChangeKinds? Kinds, IReadOnlyList<MailboxProgress>? Progress,
        IReadOnlyList<string>? Lines, bool? StatusChanged, bool? Cleared);
}
