using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Ligbox.Tools.NativeImap;
using MailKit;
using MailKit.Net.Imap;
using MimeKit;

namespace Ligbox.Tools.ImapAppend;

/// <summary>Keeps a message the destination refused (or that cannot be parsed) with the reason; called in parallel by the appenders.</summary>
/// <typeparam name="TFolder">The caller's statistics of the message's source folder.</typeparam>
public delegate Task AppendQuarantine<in TFolder>(AppendMessage message, TFolder folder, string reason, CancellationToken cancellationToken)
    where TFolder : AppendFolderCounts;

/// <summary>Messages for one destination folder, appended with one MULTIAPPEND when the server takes it.</summary>
internal sealed class AppendBatch<TFolder>(AppendTargetFolder target, TFolder folder) : IDisposable
    where TFolder : AppendFolderCounts
{
    public AppendTargetFolder Target { get; } = target;
    public TFolder Folder { get; } = folder;
    public List<AppendMessage> Messages { get; } = [];
    public long Bytes { get; private set; }

    public void Add(AppendMessage message)
    {
        Messages.Add(message);
        Bytes += message.Length;
    }

    public void Dispose()
    {
        foreach (var message in Messages)
        {
            message.Dispose();
        }
    }
}

/// <summary>
/// The append side of an import. The caller (one producer) parses messages and offers them; they are
/// skipped when their identity is already in the folder, otherwise grouped into batches bounded in count
/// and bytes, which a bounded queue hands to the appender connections. Each appender sends a batch as one
/// MULTIAPPEND; when the server rejects it (all or nothing, RFC 3502) the batch is appended again one
/// message at a time, so only the message(s) the server refuses are quarantined, with its reason.
/// Memory: at most one batch being filled, one queued per appender and one being sent per appender.
/// </summary>
/// <typeparam name="TFolder">The caller's statistics of a source folder; the pipeline counts into it.</typeparam>
public sealed class AppendPipeline<TFolder>
    where TFolder : AppendFolderCounts
{
    private readonly ImapAppendOptions _options;
    private readonly AppendQuarantine<TFolder> _quarantine;
    private readonly object _sync;
    private readonly Action? _onChanged;
    private readonly int _multiAppendSize;
    private readonly Channel<AppendBatch<TFolder>> _queue;
    private AppendBatch<TFolder>? _current;

    private AppendPipeline(ImapAppendOptions options, AppendQuarantine<TFolder> quarantine, object sync, Action? onChanged, bool multiAppend, int appenders)
    {
        _options = options;
        _quarantine = quarantine;
        _sync = sync;
        _onChanged = onChanged;
        _multiAppendSize = multiAppend ? options.MultiAppendSize : 1;
        _queue = Channel.CreateBounded<AppendBatch<TFolder>>(new BoundedChannelOptions(appenders) { SingleWriter = true });
    }

    /// <summary>
    /// Runs <paramref name="produce"/> with appenders working alongside; returns once every offered message
    /// is appended or quarantined. The first real failure (not a cancellation it caused) is rethrown.
    /// </summary>
    /// <param name="destination">The connected destination account.</param>
    /// <param name="options">Appender connections and batch bounds.</param>
    /// <param name="quarantine">Keeps a message the server refuses, with the reason (called from the appender connections, in parallel).</param>
    /// <param name="sync">The lock every change of the figures is made under (the caller reads them under it too).</param>
    /// <param name="onChanged">Called under <paramref name="sync"/> after every change of the figures (live progress).</param>
    /// <param name="produce">Offers the messages (<see cref="OfferAsync(AppendTargetFolder, TFolder, AppendMessage, CancellationToken)"/>); one producer.</param>
    /// <param name="cancellationToken">Stops the producer and the appenders.</param>
    /// <exception cref="ImapAppendException">No appender connection could be opened.</exception>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    public static async Task RunAsync(AppendDestination destination, ImapAppendOptions options, AppendQuarantine<TFolder> quarantine, object sync,
        Action? onChanged, Func<AppendPipeline<TFolder>, CancellationToken, Task> produce, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(options);
        var appenders = await destination.OpenAppendersAsync(options.AppendConnections, cancellationToken);
        var pipeline = new AppendPipeline<TFolder>(options, quarantine, sync, onChanged, destination.SupportsMultiAppend, appenders.Count);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workers = appenders.Select(connection => Task.Run(async () =>
        {
            try
            {
                await pipeline.AppendAllAsync(connection, stop.Token);
            }
            catch
            {
                await stop.CancelAsync();
                throw;
            }
        }, CancellationToken.None)).ToList();

        Exception? producerError = null;
        try
        {
            await produce(pipeline, stop.Token);
            await pipeline.FlushAsync(stop.Token);
        }
        catch (Exception ex)
        {
            producerError = ex;
            await stop.CancelAsync();
        }
        finally
        {
            pipeline._queue.Writer.TryComplete();
        }

        try
        {
            await Task.WhenAll(workers);
        }
        catch
        {
            // Inspected below, with the producer's.
        }
        finally
        {
            pipeline._current?.Dispose();
            while (pipeline._queue.Reader.TryRead(out var left))
            {
                left.Dispose();
            }
        }

        var errors = workers.Where(w => w.IsFaulted).Select(w => w.Exception!.InnerException!).Append(producerError).OfType<Exception>().ToList();
        var failure = errors.FirstOrDefault(e => e is not OperationCanceledException) ?? errors.FirstOrDefault();
        if (failure is null && workers.Any(w => w.IsCanceled))
        {
            failure = new OperationCanceledException(cancellationToken);
        }

        if (failure is not null)
        {
            // A stop asked for by the caller wins over the errors it caused on the connections.
            cancellationToken.ThrowIfCancellationRequested();
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>Counts a parsed mbox message and queues a copy of it for <paramref name="target"/> unless it is already there.</summary>
    public Task OfferAsync(AppendTargetFolder target, TFolder folder, MimeMessage message, CancellationToken cancellationToken) =>
        OfferAsync(target, folder, AppendMessage.Prepare(message, _options.LargeMessageBytes), cancellationToken);

    /// <summary>Counts a message and queues it for <paramref name="target"/> unless it is already there; takes ownership of it.</summary>
    public async Task OfferAsync(AppendTargetFolder target, TFolder folder, AppendMessage candidate, CancellationToken cancellationToken)
    {
        var skipped = target.Contains(candidate.Key);
        Update(() =>
        {
            folder.Parsed++;
            folder.Skipped += skipped ? 1 : 0;
        });
        if (skipped)
        {
            candidate.Dispose();
            return;
        }

        // Also marks duplicates inside the source itself: the second copy is skipped like a re-import.
        target.Add(candidate.Key);
        if (_current is { } current && (current.Target != target || current.Bytes + candidate.Length > _options.BatchBytes))
        {
            await FlushAsync(cancellationToken);
        }

        _current ??= new AppendBatch<TFolder>(target, folder);
        _current.Add(candidate);
        if (_current.Messages.Count >= _multiAppendSize)
        {
            await FlushAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Changes the statistics and reports progress, under one lock: the producer and the appenders share
    /// them, and the progress callback reads them (adding a folder goes through here too).
    /// </summary>
    public void Update(Action change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_sync)
        {
            change();
            _onChanged?.Invoke();
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_current is { } batch)
        {
            _current = null;
            try
            {
                await _queue.Writer.WriteAsync(batch, cancellationToken);
            }
            catch
            {
                batch.Dispose();
                throw;
            }
        }
    }

    private async Task AppendAllAsync(ImapConnection connection, CancellationToken cancellationToken)
    {
        await foreach (var batch in _queue.Reader.ReadAllAsync(cancellationToken))
        {
            using (batch)
            {
                var folder = await FolderAsync(connection, batch.Target.FullName, cancellationToken);
                if (batch.Messages.Count > 1 && await TryAppendAllAsync(folder, batch.Messages, cancellationToken))
                {
                    Update(() =>
                    {
                        batch.Folder.Appended += batch.Messages.Count;
                        batch.Folder.AppendedBytes += batch.Bytes;
                    });
                    continue;
                }

                foreach (var message in batch.Messages)
                {
                    await AppendOneAsync(folder, batch.Folder, message, cancellationToken);
                }
            }
        }
    }

    private static async Task<bool> TryAppendAllAsync(IMailFolder folder, List<AppendMessage> messages, CancellationToken cancellationToken)
    {
        var loaded = new List<MimeMessage>(messages.Count);
        try
        {
            foreach (var message in messages)
            {
                loaded.Add(message.Load());
            }

            await folder.AppendAsync(AppendMessage.Format, loaded.Select((message, i) => Request(message, messages[i])).ToList(), cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is ImapCommandException or FormatException)
        {
            // All or nothing: nothing of the batch was stored; find the culprit(s) one by one.
            return false;
        }
        finally
        {
            messages.ForEach(m => m.Release());
        }
    }

    private async Task AppendOneAsync(IMailFolder folder, TFolder stats, AppendMessage message, CancellationToken cancellationToken)
    {
        string reason;
        try
        {
            var loaded = message.Load();
            await folder.AppendAsync(AppendMessage.Format, Request(loaded, message), cancellationToken);
            Update(() =>
            {
                stats.Appended++;
                stats.AppendedBytes += message.Length;
            });
            return;
        }
        catch (ImapCommandException ex)
        {
            reason = $"Rejected by the server: {ex.Response} {ex.ResponseText}";
        }
        catch (FormatException ex)
        {
            reason = $"Cannot be parsed: {ex.Message}";
        }
        finally
        {
            message.Release();
        }

        await _quarantine(message, stats, reason, cancellationToken);
        Update(() => stats.Quarantined++);
    }

    private static IAppendRequest Request(MimeMessage loaded, AppendMessage message)
    {
        var request = message.Keywords.Count > 0 ? new AppendRequest(loaded, message.Flags, message.Keywords) : new AppendRequest(loaded, message.Flags);
        if (message.Date is { } date)
        {
            request.InternalDate = date;
        }

        return request;
    }

    private static async Task<IMailFolder> FolderAsync(ImapConnection connection, string fullName, CancellationToken cancellationToken)
    {
        if (!connection.Folders.TryGetValue(fullName, out var folder))
        {
            folder = fullName.Equals("INBOX", StringComparison.OrdinalIgnoreCase)
                ? connection.Client.Inbox
                : await connection.Client.GetFolderAsync(fullName, cancellationToken);
            connection.Folders[fullName] = folder;
        }

        return folder;
    }
}
