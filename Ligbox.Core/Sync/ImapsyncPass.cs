using System.Globalization;
using System.Text.RegularExpressions;
using Ligbox.Core.Jobs;
using Ligbox.Core.Storage;
using Ligbox.Tools.Engines;
using Ligbox.Tools.Imapsync;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Processes;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Sync;

/// <summary>Which job and run an imapsync pass belongs to (its logs go to <c>logs/imapsync/{job}/{run}/</c>).</summary>
public sealed record ImapsyncPassContext(MigrationJob Job, Guid RunId, string Kind);

/// <summary>
/// A pre-flight or sync pass of a job whose engine is imapsync. It takes the same requests and gives the
/// same results as the native engine (<see cref="MailboxSyncResult"/>, <see cref="SyncProgressEvent"/>), so
/// the run executor records, logs and gates both alike. One imapsync process per mailbox, at most
/// <c>maxParallel</c> at a time; passwords reach it only through its 0600 passfiles (deleted afterwards,
/// also on failure or cancel, by <see cref="ImapsyncCommand"/>).
/// </summary>
/// <remarks>
/// It is the <see cref="EngineKind.Imapsync"/> <see cref="IMigrationEngine"/> of the run pipeline. It stays in Core
/// (its job context and data directory are Core's) while the imapsync tests against it are being extended.
/// imapsync is idempotent: it identifies messages by their headers and skips those already on the
/// destination, so a pass interrupted by a restart or a cancel is simply run again from the start
/// (RunRecoveryService re-queues it) and copies only what is still missing — no state of our own needed.
/// </remarks>
public sealed partial class ImapsyncPass(IImapsyncRunner runner, IOptions<ImapsyncSettings> settings, DataDirectory dataDir, TimeProvider clock) : IMigrationEngine
{
    /// <summary>What a pass needs from its job and run.</summary>
    private sealed record PassSettings(Guid JobId, Guid RunId, string Kind, int? MaxAgeDays);

    /// <inheritdoc />
    public EngineKind Kind => EngineKind.Imapsync;

    /// <inheritdoc />
    public async Task<PreflightResult> PreflightAsync(EngineRunContext context, SyncRequest request, IProgress<SyncProgressEvent>? progress, CancellationToken cancellationToken)
    {
        var result = await RunOneAsync(Settings(context, request), request, justLogin: true, progress, cancellationToken);
        return new PreflightResult
        {
            Engine = "imapsync",
            LoginsOnly = true,
            Failures = result.Failure is { } f ? [f] : [],
            ExitCode = result.Statistics?.ExitCode,
            ExitMeaning = result.Statistics?.ExitMeaning,
        };
    }

    /// <inheritdoc />
    public Task<MailboxSyncResult> SyncAsync(EngineRunContext context, SyncRequest request, IProgress<SyncProgressEvent>? progress, CancellationToken cancellationToken) =>
        RunOneAsync(Settings(context, request), request, justLogin: false, progress, cancellationToken);

    /// <summary>imapsync's <c>--maxage</c> counts whole days back from now: the request's window, rounded up.</summary>
    private PassSettings Settings(EngineRunContext context, SyncRequest request) => new(context.JobId, context.RunId, context.RunKind,
        request.NotBefore is { } notBefore ? Math.Max(1, (int)Math.Ceiling((clock.GetUtcNow() - notBefore).TotalDays)) : null);

    private static PassSettings Settings(ImapsyncPassContext context) => new(context.Job.Id, context.RunId, context.Kind, context.Job.Options.MaxMessageAgeDays);

    // Folder names and prefixes go into imapsync's --regextrans2, which imapsync evaluates as Perl: only
    // plain characters are let through, so a folder name can never become code.
    [GeneratedRegex(@"^[\p{L}\p{N} ._/&()+,-]{1,200}$")]
    private static partial Regex SafeFolderName();

    /// <summary>Why an imapsync run cannot start on this host, or <c>null</c> when imapsync is installed.</summary>
    public string? UnavailableReason() => ExecutableLocator.Find(settings.Value.ImapsyncPath) is null
        ? $"imapsync is not installed on this console host (looked for '{settings.Value.ImapsyncPath}'): run 'sudo scripts/install-migration-tools.sh' " +
          "on it, or use the native engine for this job."
        : null;

    /// <summary>Throws a <see cref="DomainException"/> (409 in the API) when imapsync is not installed.</summary>
    public void EnsureAvailable()
    {
        if (UnavailableReason() is { } reason)
        {
            throw new DomainException(reason);
        }
    }

    /// <summary>The directory holding imapsync's own logs of one run.</summary>
    public string LogDirectoryFor(Guid jobId, Guid runId) => Path.Combine(dataDir.Logs, "imapsync", jobId.ToString("N"), runId.ToString("N"));

    /// <summary>Logs in to both servers (<c>--justlogin</c>) for each mailbox, moving no mail.</summary>
    public Task<IReadOnlyList<MailboxSyncResult>> PreflightManyAsync(ImapsyncPassContext context, IReadOnlyList<SyncRequest> requests, int maxParallel,
        IProgress<SyncProgressEvent>? progress, CancellationToken ct) =>
        RunManyAsync(context, requests, maxParallel, justLogin: true, progress, ct);

    /// <summary>Syncs each mailbox (initial, delta and final passes are the same imapsync command; it copies what is missing).</summary>
    public Task<IReadOnlyList<MailboxSyncResult>> SyncManyAsync(ImapsyncPassContext context, IReadOnlyList<SyncRequest> requests, int maxParallel,
        IProgress<SyncProgressEvent>? progress, CancellationToken ct) =>
        RunManyAsync(context, requests, maxParallel, justLogin: false, progress, ct);

    private async Task<IReadOnlyList<MailboxSyncResult>> RunManyAsync(ImapsyncPassContext context, IReadOnlyList<SyncRequest> requests, int maxParallel,
        bool justLogin, IProgress<SyncProgressEvent>? progress, CancellationToken ct)
    {
        EnsureAvailable();
        var results = new MailboxSyncResult[requests.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, requests.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxParallel), CancellationToken = ct },
            async (i, token) => results[i] = await RunOneAsync(Settings(context), requests[i], justLogin, progress, token));
        return results;
    }

    private async Task<MailboxSyncResult> RunOneAsync(PassSettings context, SyncRequest request, bool justLogin, IProgress<SyncProgressEvent>? progress,
        CancellationToken ct)
    {
        var key = request.EffectiveMailboxKey;
        ImapsyncOptions options;
        try
        {
            options = OptionsFor(context, request, justLogin);
        }
        catch (ArgumentException ex)
        {
            return new MailboxSyncResult(request, null, new ImapFailure(ImapFailureKind.Unknown, ImapSide.Source, ex.Message));
        }

        progress?.Report(new SyncProgressEvent { MailboxKey = key, Stage = SyncProgressStage.MailboxStarted });
        var last = new ImapsyncProgress(0, 0, null, null, null, null);
        ImapsyncRunResult result;
        try
        {
            result = await runner.RunAsync(options, line =>
            {
                progress?.Report(new SyncProgressEvent { MailboxKey = key, Stage = SyncProgressStage.Log, Message = line });
                if (ImapsyncProgress.TryParse(line) is { } p)
                {
                    last = p with { Folder = p.Folder ?? last.Folder, BytesCopied = p.BytesCopied ?? last.BytesCopied, MessagesPerSecond = p.MessagesPerSecond ?? last.MessagesPerSecond };
                    progress?.Report(new SyncProgressEvent
                    {
                        MailboxKey = key,
                        Stage = SyncProgressStage.FolderProgress,
                        Folder = last.Folder,
                        MailboxDone = last.Done,
                        MailboxTotal = last.Total,
                        BytesTransferred = last.BytesCopied ?? 0,
                        MessagesPerSecond = last.MessagesPerSecond ?? 0,
                        EstimatedRemaining = last.Remaining,
                    });
                }
            }, ct);
        }
        catch (ToolNotFoundException)
        {
            // Removed after the run was queued (the start already checked it was there).
            return new MailboxSyncResult(request, null, new ImapFailure(ImapFailureKind.Unknown, ImapSide.Source, UnavailableReason() ?? "imapsync could not be started."));
        }
        catch (TimeoutException ex)
        {
            return new MailboxSyncResult(request, null, new ImapFailure(ImapFailureKind.Timeout, ImapSide.Source,
                $"imapsync was stopped because it ran too long ({ex.Message}); run the sync again to continue, or raise Tools:Imapsync:RunTimeout."));
        }

        var statistics = result.Statistics;
        progress?.Report(new SyncProgressEvent
        {
            MailboxKey = key,
            Stage = SyncProgressStage.MailboxCompleted,
            MailboxDone = statistics.MessagesTransferred + statistics.MessagesSkipped,
            MailboxTotal = statistics.SourceMessages ?? last.Total,
            BytesTransferred = statistics.BytesTransferred,
            MessagesPerSecond = statistics.ReportedMessagesPerSecond ?? statistics.MessagesPerSecond,
        });
        var failure = result.Succeeded ? null : ImapsyncFailures.Describe(result, request);
        return new MailboxSyncResult(request, statistics, failure);
    }

    private ImapsyncOptions OptionsFor(PassSettings context, SyncRequest request, bool justLogin)
    {
        var extra = new List<string>();
        if (!justLogin && context.MaxAgeDays is { } days)
        {
            extra.AddRange(["--maxage", days.ToString(CultureInfo.InvariantCulture)]);
        }

        foreach (var (from, to) in request.Mapping.Overrides)
        {
            extra.AddRange(["--regextrans2", $"s{{^\\Q{Safe(from)}\\E$}}{{{Safe(to)}}}"]);
        }

        if (!string.IsNullOrWhiteSpace(request.Mapping.DestinationPrefix))
        {
            extra.AddRange(["--regextrans2", $"s{{^}}{{{Safe(request.Mapping.DestinationPrefix.TrimEnd('/'))}/}}"]);
        }

        return new ImapsyncOptions
        {
            Host1 = Endpoint(request.Source, ImapSide.Source),
            Host2 = Endpoint(request.Destination, ImapSide.Destination),
            JustLogin = justLogin,
            IncludeFolders = request.Mapping.Include.Select(GlobToRegex).ToList(),
            ExcludeFolders = request.Mapping.Exclude.Select(GlobToRegex).ToList(),
            ExtraArguments = extra,
            RunName = $"{context.Kind}-{request.EffectiveMailboxKey.Replace("-", "", StringComparison.Ordinal)}-{clock.GetUtcNow():yyyyMMddHHmmss}",
            LogDirectory = LogDirectoryFor(context.JobId, context.RunId),
        };
    }

    private static string Safe(string folder) => SafeFolderName().IsMatch(folder)
        ? folder
        : throw new ArgumentException($"The folder name '{folder}' has characters imapsync cannot take safely; rename it in the job's folder mappings or use the native engine.");

    private static ImapsyncEndpoint Endpoint(ImapEndpoint endpoint, ImapSide side)
    {
        if (endpoint.Mechanism == ImapAuthMechanism.XOAuth2)
        {
            throw new ArgumentException($"The {(side == ImapSide.Source ? "source" : "destination")} uses XOAUTH2, which the imapsync engine here does not support: use the native engine for this job.");
        }

        return new ImapsyncEndpoint
        {
            Host = endpoint.Host,
            Port = endpoint.Port,
            User = endpoint.User,
            Password = endpoint.Secret,
            Security = endpoint.Security switch
            {
                ImapSecurity.Ssl => ImapsyncSecurity.Ssl,
                ImapSecurity.StartTls => ImapsyncSecurity.StartTls,
                _ => ImapsyncSecurity.None,
            },
            CertificateSha256 = endpoint.CertificateSha256,
        };
    }

    /// <summary>
    /// The job's folder globs (<c>*</c>, <c>?</c>, <c>/</c> between levels) as imapsync's --include/--exclude
    /// regular expressions; a <c>/</c> also matches a <c>.</c> separator.
    /// </summary>
    internal static string GlobToRegex(string glob) =>
        "^" + string.Concat(glob.Select(c => c switch
        {
            '*' => ".*",
            '?' => ".",
            '/' => "[/.]",
            _ when char.IsLetterOrDigit(c) || c is ' ' or '_' or '-' => c.ToString(),
            _ => "\\" + c,
        })) + "$";
}

/// <summary>Plain words for a failed imapsync run, naming the mailbox and the server, with what to do.</summary>
public static class ImapsyncFailures
{
    public static ImapFailure Describe(ImapsyncRunResult result, SyncRequest request, MigrationJob job) => Describe(result, request);

    private static ImapFailure CertificateRefused(ImapSide side, ImapEndpoint server, ImapsyncRunResult result, string detail)
    {
        var where = side == ImapSide.Source ? "source" : "destination";
        var advice = server.CertificateSha256 is { } pin
            ? $"it is not the certificate the job pinned (SHA-256 {CertificatePin.Display(pin)}), or it does not name {server.Host} (imapsync checks the name even of a pinned certificate): "
              + "run Test connection to see the fingerprint it presents now, and do not continue before the server's administrator confirms it"
            : "it is self-signed, expired, issued by an unknown authority or for another name: run Test connection to see its SHA-256 fingerprint, "
              + $"and once the server's administrator confirms it, pin it in the job's {where} server settings";
        return new ImapFailure(ImapFailureKind.Tls, side,
            $"imapsync refused the TLS certificate of the {where} server {server.Host}:{server.Port}: {advice} (imapsync exit {result.ExitCode}, {result.Exit.Name}).", detail);
    }

    /// <summary>The failure, naming the servers of the request.</summary>
    public static ImapFailure Describe(ImapsyncRunResult result, SyncRequest request)
    {
        var source = request.Source;
        var destination = request.Destination;
        var detail = $"imapsync exit {result.ExitCode} ({result.Exit.Name})" + (result.MostFrequentError is { } e ? $"; most frequent error: {e}" : "");
        if (result.CertificateRefusedOnHost is { } host)
        {
            return CertificateRefused(host == 1 ? ImapSide.Source : ImapSide.Destination, host == 1 ? source : destination, result, detail);
        }

        var (kind, side, message) = result.ExitCode switch
        {
            161 => (ImapFailureKind.AuthenticationFailed, ImapSide.Source, $"authentication failed for {source.User} on the source ({source.Host}): check the password"),
            162 => (ImapFailureKind.AuthenticationFailed, ImapSide.Destination, $"authentication failed for {destination.User} on the destination ({destination.Host}): check the password"),
            101 => (ImapFailureKind.ConnectionRefused, ImapSide.Source,
                $"the source server {source.Host}:{source.Port} could not be reached: check its host name, port, TLS setting and firewall"),
            102 => (ImapFailureKind.ConnectionRefused, ImapSide.Destination,
                $"the destination server {destination.Host}:{destination.Port} could not be reached: check its host name, port, TLS setting and firewall"),
            113 => (ImapFailureKind.QuotaExceeded, ImapSide.Destination,
                $"the destination mailbox {destination.User} is over quota: free space or raise its quota, then run the sync again"),
            114 => (ImapFailureKind.MessageRejected, ImapSide.Destination, $"messages could not be written to {destination.User} on the destination: {Lower(result.Exit.Meaning)}"),
            115 => (ImapFailureKind.Protocol, ImapSide.Source, $"messages could not be read from {source.User} on the source: {Lower(result.Exit.Meaning)}"),
            116 or 117 => (ImapFailureKind.Folder, ImapSide.Destination, $"a folder of {source.User} could not be opened or created: {Lower(result.Exit.Meaning)}"),
            6 => (ImapFailureKind.ConnectionLost, ImapSide.Source, $"imapsync was stopped before {source.User} finished: run the sync again to continue"),
            _ => (ImapFailureKind.Unknown, ImapSide.Source, $"imapsync failed for {source.User}: {Lower(result.Exit.Meaning)}"),
        };
        return new ImapFailure(kind, side, $"{message} (imapsync exit {result.ExitCode}, {result.Exit.Name}).", detail);
    }

    private static string Lower(string text) => text.Length > 0 ? char.ToLowerInvariant(text[0]) + text[1..].TrimEnd('.') : text;
}
