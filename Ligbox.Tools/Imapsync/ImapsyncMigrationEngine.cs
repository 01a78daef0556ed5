using System.Globalization;
using System.Text.RegularExpressions;
using Ligbox.Tools.Engines;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Processes;
using Microsoft.Extensions.Options;

namespace Ligbox.Tools.Imapsync;

/// <summary>
/// The <see cref="EngineKind.Imapsync"/> <see cref="IMigrationEngine"/>: a pre-flight or sync pass of one mailbox by
/// the imapsync script. It takes the same requests and gives the same results as the native engine
/// (<see cref="MailboxSyncResult"/>, <see cref="SyncProgressEvent"/>), so the run pipeline records, logs and gates
/// both alike. One imapsync process per call (the run pipeline limits how many run at once); passwords reach it
/// only through its 0600 passfiles (deleted afterwards, also on failure or cancel, by <see cref="ImapsyncCommand"/>).
/// </summary>
/// <remarks>
/// imapsync is idempotent: it identifies messages by their headers and skips those already on the
/// destination, so a pass interrupted by a restart or a cancel is simply run again from the start
/// (the run pipeline's recovery re-queues it) and copies only what is still missing — no state of our own needed.
/// </remarks>
/// <param name="runner">Runs the script.</param>
/// <param name="settings">Where imapsync is and where its logs go by default.</param>
/// <param name="clock">Turns a request's date window into <c>--maxage</c> days; the system clock when <c>null</c>.</param>
public sealed partial class ImapsyncMigrationEngine(IImapsyncRunner runner, IOptions<ImapsyncSettings> settings, TimeProvider? clock = null) : IMigrationEngine
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>What a pass needs from its job and run.</summary>
    private sealed record PassSettings(Guid JobId, Guid RunId, string Kind, int? MaxAgeDays, string LogDirectory);

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
        request.NotBefore is { } notBefore ? Math.Max(1, (int)Math.Ceiling((_clock.GetUtcNow() - notBefore).TotalDays)) : null,
        LogDirectoryFor(context));

    /// <summary>
    /// The directory holding imapsync's own logs of one run: <c>{LogRoot}/imapsync/{job}/{run}</c>, or under
    /// <see cref="ImapsyncSettings.LogDirectory"/> when the context names no log root.
    /// </summary>
    public string LogDirectoryFor(EngineRunContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var root = context.LogRoot is { } logRoot ? Path.Combine(logRoot, "imapsync") : settings.Value.LogDirectory;
        return Path.Combine(root, context.JobId.ToString("N"), context.RunId.ToString("N"));
    }

    // Folder names and prefixes go into imapsync's --regextrans2, which imapsync evaluates as Perl: only
    // plain characters are let through, so a folder name can never become code.
    [GeneratedRegex(@"^[\p{L}\p{N} ._/&()+,-]{1,200}$")]
    private static partial Regex SafeFolderName();

    /// <inheritdoc />
    public string? UnavailableReason() => ExecutableLocator.Find(settings.Value.ImapsyncPath) is null
        ? $"imapsync is not installed on this console host (looked for '{settings.Value.ImapsyncPath}'): run 'sudo scripts/install-migration-tools.sh' " +
          "on it, or use the native engine for this job."
        : null;

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

        // A provider's throttling (from the job's preset): imapsync sleeps to keep its average below these.
        if (!justLogin && request.MaxMessagesPerSecond is { } messagesPerSecond)
        {
            extra.AddRange(["--maxmessagespersecond", messagesPerSecond.ToString(CultureInfo.InvariantCulture)]);
        }

        if (!justLogin && request.MaxBytesPerSecond is { } bytesPerSecond)
        {
            extra.AddRange(["--maxbytespersecond", bytesPerSecond.ToString(CultureInfo.InvariantCulture)]);
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
            RunName = $"{context.Kind}-{request.EffectiveMailboxKey.Replace("-", "", StringComparison.Ordinal)}-{_clock.GetUtcNow():yyyyMMddHHmmss}",
            LogDirectory = context.LogDirectory,
        };
    }

    private static string Safe(string folder) => SafeFolderName().IsMatch(folder)
        ? folder
        : throw new ArgumentException($"The folder name '{folder}' has characters imapsync cannot take safely; rename it in the job's folder mappings or use the native engine.");

    private static ImapsyncEndpoint Endpoint(ImapEndpoint endpoint, ImapSide side)
    {
        var oauth = endpoint.Mechanism is ImapAuthMechanism.XOAuth2 or ImapAuthMechanism.OAuthBearer;
        if (oauth && endpoint.AdminUser is not null)
        {
            throw new ArgumentException($"The {(side == ImapSide.Source ? "source" : "destination")} logs in with an OAuth 2.0 token, which cannot be combined with an admin login.");
        }

        return new ImapsyncEndpoint
        {
            Host = endpoint.Host,
            Port = endpoint.Port,
            // A master-user login is the user name "user*admin"; proxy authorization is imapsync's --authuser.
            User = endpoint.AdminMode == ImapAdminMode.ProxyAuth ? endpoint.User : endpoint.LoginName,
            AuthUser = endpoint.AdminMode == ImapAdminMode.ProxyAuth ? endpoint.AdminUser : null,
            Password = endpoint.Secret,
            // OAuth 2.0: imapsync's XOAUTH2 with the access token from its 0600 file (imapsync has no OAUTHBEARER).
            PasswordIsOAuthAccessToken = oauth,
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
