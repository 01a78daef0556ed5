using System.Diagnostics;
using System.Globalization;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Processes;
using Ligbox.Tools.Statistics;
using MailKit;
using MailKit.Search;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Ligbox.Tools.Doveadm;

/// <summary>
/// The doveadm engine (T034): Dovecot's own dsync pulls the source account over IMAP (imapc) straight into
/// the destination account, when the destination is the Dovecot this host's <c>doveadm</c> manages
/// (<see cref="DoveadmSettings.ConfigFile"/>). Every pass runs <c>doveadm backup -R</c>, then counts both
/// sides and compares them message by message, so its <see cref="SyncStatistics"/> (Engine = <c>doveadm</c>)
/// feed the same run records and gate as the native engine's.
/// </summary>
/// <remarks>
/// The source password reaches doveadm only through a private 0600 config file (deleted after the run,
/// also on failure or cancel); cancelling kills the doveadm process tree. dsync recognises what is already
/// on the destination, so a pass cut off (kill -9, restart) is simply run again.
/// <c>backup</c> makes the destination an exact copy of the source, so it would delete mail that is only on
/// the destination: a pass refuses to start when there is any (so the job's mirror option does nothing more here).
/// <c>sync -1</c> (one-way, keeps destination-only mail) was tried and rejected: with a message only on the
/// destination it copied a new source message twice on the next pass (UID conflict), so it is not idempotent.
/// </remarks>
public sealed partial class DoveadmSyncEngine
{
    /// <summary>The <see cref="SyncStatistics.Engine"/> value of this engine.</summary>
    public const string EngineName = "doveadm";

    private const int MaxMissingListed = 200;
    private readonly IProcessRunner _processRunner;
    private readonly DoveadmSettings _settings;
    private readonly ILogger _logger;
    private readonly ImapConnector _connector;

    /// <summary>Creates the engine.</summary>
    public DoveadmSyncEngine(IProcessRunner processRunner, IOptions<DoveadmSettings> settings, ILogger<DoveadmSyncEngine>? logger = null)
    {
        _processRunner = processRunner;
        _settings = settings.Value;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _connector = new ImapConnector(new NativeImapOptions(), new ImapCommandCounter());
    }

    /// <summary>
    /// Runs one pass (initial, delta and final are the same dsync command; a final pass is verified by the
    /// comparison that every pass makes).
    /// </summary>
    /// <param name="request">The mailbox pair; the destination must be the local Dovecot (see <see cref="PreflightAsync(SyncRequest, CancellationToken)"/>).</param>
    /// <param name="progress">Receives doveadm's output lines and the start and end of the mailbox.</param>
    /// <param name="cancellationToken">Kills doveadm (its whole process tree) and stops the pass.</param>
    /// <returns>The figures of the pass.</returns>
    /// <exception cref="ImapSyncException">The pass cannot run or doveadm failed; the message says why in plain words.</exception>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    public async Task<SyncStatistics> SyncAsync(SyncRequest request, IProgress<SyncProgressEvent>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = request.EffectiveMailboxKey;
        var clock = Stopwatch.StartNew();
        if (UnsupportedReason(request) is { } unsupported)
        {
            throw new ImapSyncException(new ImapFailure(ImapFailureKind.Unknown, ImapSide.Destination, unsupported));
        }

        // Never write into a same-named local account when the job's destination is another server.
        if (await NotLocalDestinationReasonAsync(request.Destination, cancellationToken) is { } notLocal)
        {
            throw new ImapSyncException(new ImapFailure(ImapFailureKind.Unknown, ImapSide.Destination, notLocal));
        }

        var user = request.Destination.User;
        var before = await DestinationCountsAsync(user, cancellationToken);
        var destinationOnly = DestinationOnly(await SourceIdentitiesAsync(request, cancellationToken), await DestinationIdentitiesAsync(user, cancellationToken), request);
        if (destinationOnly.Count > 0)
        {
            // Whether Ligbox copied them (and the source deleted them since) or they were there before (or were
            // delivered since) cannot be told apart without state: deleting them could lose mail, so refuse.
            throw new ImapSyncException(new ImapFailure(ImapFailureKind.Unknown, ImapSide.Destination,
                $"the destination account {user} holds {destinationOnly.Count} message(s) that are not on the source (first in folder {destinationOnly[0]}). "
                + "The doveadm engine runs 'doveadm backup', which makes the destination an exact copy of the source and would delete them "
                + "(this also happens when messages were deleted on the source since the last pass). Move them out of the account, "
                + "or finish the migration with the native engine, which never deletes mail it did not copy."));
        }

        progress?.Report(new SyncProgressEvent
        {
            MailboxKey = key,
            Stage = SyncProgressStage.MailboxStarted,
            Message = $"{request.Source} → {request.Destination}: {request.Kind} pass with doveadm backup (imapc)"
                + (request.NotBefore is { } nb ? $", only messages received since {nb.UtcDateTime:yyyy-MM-dd HH:mm} UTC" : ""),
        });

        if (request.MaxMessagesPerSecond is not null || request.MaxBytesPerSecond is not null)
        {
            // doveadm has no rate option; the job's mailbox limit still applies (the run starts fewer at once).
            progress?.Report(new SyncProgressEvent
            {
                MailboxKey = key,
                Stage = SyncProgressStage.Log,
                Message = "doveadm cannot limit messages or bytes per second: the job's rate limit is not applied by this engine (the native and imapsync engines apply it).",
            });
        }

        // Exit code 2 means "the mailbox changed while syncing": a second run picks the changes up.
        DoveadmResult result;
        var attempt = 0;
        do
        {
            result = await RunSyncAsync(request, line => progress?.Report(new SyncProgressEvent { MailboxKey = key, Stage = SyncProgressStage.Log, Message = line }), cancellationToken);
        }
        while (result.ExitCode == 2 && ++attempt < 3);

        if (!result.Succeeded && result.ExitCode != 2)
        {
            throw new ImapSyncException(Classify(result, request));
        }

        var statistics = await CompareAsync(request, before, clock, result, cancellationToken);
        progress?.Report(new SyncProgressEvent
        {
            MailboxKey = key,
            Stage = SyncProgressStage.MailboxCompleted,
            MailboxDone = statistics.MessagesTransferred + statistics.MessagesSkipped,
            MailboxTotal = statistics.SourceMessages ?? 0,
            MessagesPerSecond = statistics.MessagesPerSecond,
            Message = $"{request.Source} → {request.Destination}: {statistics.MessagesTransferred} copied, {statistics.MessagesSkipped} already there, "
                + $"{statistics.MissingOnDestination} missing on the destination"
                + (statistics.MessagesOutOfWindow is { } outside ? $", {outside} older than the date window left out" : "")
                + $" in {statistics.Duration.TotalSeconds:0.0} s",
        });
        return statistics;
    }

    private async Task<DoveadmResult> RunSyncAsync(SyncRequest request, Action<string> onLine, CancellationToken cancellationToken)
    {
        var source = request.Source;
        var workDirectory = _settings.WorkDirectory;
        if (workDirectory is not null)
        {
            Directory.CreateDirectory(workDirectory);
        }

        // TLS: check the certificate first, so a refused one is explained in plain words with its fingerprint; a pinned
        // one is handed to imapc as the one certificate it trusts besides its authorities (no file when none is pinned).
        var pinnedFile = source.Security != ImapSecurity.None
            ? await PinnedCertificateFileAsync(source, cancellationToken)
            : null;
        try
        {
            // A master-user login is the user name "user*admin"; proxy authorization is imapc's master user.
            var proxy = source.AdminUser is not null && source.AdminMode == ImapAdminMode.ProxyAuth;
            var imapc = new ImapcSource(source.Host, source.Port, proxy ? source.User : source.LoginName, source.Security switch
            {
                ImapSecurity.Ssl => "imaps",
                ImapSecurity.StartTls => "starttls",
                _ => null,
            }, pinnedFile)
            {
                MasterUser = proxy ? source.AdminUser : null,
            };
            using var command = DoveadmCommands.PrepareBackupFromImapc(request.Destination.User, imapc, source.Secret, _settings.EffectiveConfigFile,
                workDirectory, request.NotBefore, request.Mapping.Exclude.Select(ToMask));
            _logger.LogInformation("{Mailbox}: doveadm backup -R from {Source}", request.EffectiveMailboxKey, source);
            return await RunAsync(command.Arguments, command.Secrets, onLine, cancellationToken);
        }
        finally
        {
            if (pinnedFile is not null)
            {
                File.Delete(pinnedFile);
            }
        }
    }

    private static async Task<string?> PinnedCertificateFileAsync(ImapEndpoint source, CancellationToken cancellationToken)
    {
        using var certificate = await ServerCertificateProbe.GetAsync(source, ImapSide.Source, TimeSpan.FromSeconds(30), cancellationToken);
        if (certificate is null || source.CertificateSha256 is not { } pin || !string.Equals(CertificatePin.Of(certificate), pin, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        // dsync reads the file after dropping to the mail user, so it lies in the system temp directory (the work
        // directory may be private) and is world-readable: a certificate is public, unlike the password file.
        var path = Path.Combine(Path.GetTempPath(), $"ligbox-pinned-{Guid.NewGuid():N}.pem");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        }

        await using (var writer = new StreamWriter(new FileStream(path, options)))
        {
            await writer.WriteAsync(certificate.ExportCertificatePem());
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, options.UnixCreateMode!.Value); // whatever the umask
        }

        return path;
    }

    // The job's folder globs use '/' between levels and '*'/'?' like doveadm's -x masks.
    private static string ToMask(string glob) => glob;

    /// <summary>Counts both sides and compares them message by message (inside the date window).</summary>
    private async Task<SyncStatistics> CompareAsync(SyncRequest request, IReadOnlyDictionary<string, long> before, Stopwatch clock, DoveadmResult result,
        CancellationToken cancellationToken)
    {
        var after = await DestinationCountsAsync(request.Destination.User, cancellationToken);
        var destination = await DestinationIdentitiesAsync(request.Destination.User, cancellationToken);
        var source = await SourceIdentitiesAsync(request, cancellationToken);
        var folders = new List<FolderStatistics>();
        var missing = new List<MissingMessage>();
        var missingCount = 0;
        foreach (var folder in source)
        {
            var onDestination = destination.TryGetValue(folder.Name, out var list) ? new IdentityBag(list) : new IdentityBag([]);
            var folderMissing = 0;
            foreach (var message in folder.InWindow)
            {
                if (!onDestination.Take(message.Key))
                {
                    folderMissing++;
                    if (missing.Count < MaxMissingListed)
                    {
                        missing.Add(new MissingMessage(folder.Name, message.MessageId, null, message.Date));
                    }
                }
            }

            missingCount += folderMissing;
            var transferred = (int)Math.Max(0, after.GetValueOrDefault(folder.Name) - before.GetValueOrDefault(folder.Name));
            folders.Add(new FolderStatistics
            {
                SourceFolder = folder.Name,
                DestinationFolder = folder.Name,
                SourceMessages = folder.InWindow.Count,
                OutOfWindow = folder.OutOfWindow,
                DestinationMessages = after.TryGetValue(folder.Name, out var count) ? count : 0,
                Transferred = transferred,
                Skipped = Math.Max(0, folder.InWindow.Count - transferred - folderMissing),
            });
        }

        return new SyncStatistics
        {
            Engine = EngineName,
            MessagesTransferred = folders.Sum(f => f.Transferred),
            MessagesSkipped = folders.Sum(f => f.Skipped),
            Duration = clock.Elapsed,
            SourceMessages = folders.Sum(f => f.SourceMessages),
            MessagesOutOfWindow = request.NotBefore is null ? null : folders.Sum(f => f.OutOfWindow),
            DestinationMessages = folders.Sum(f => f.DestinationMessages ?? 0),
            MissingOnDestination = missingCount,
            ExitCode = result.ExitCode,
            ExitMeaning = result.Meaning,
            Folders = folders,
            Missing = missing,
        };
    }

    private sealed record Identity(string Key, string? MessageId, DateTimeOffset? Date);

    private sealed record SourceFolderIdentities(string Name, List<Identity> InWindow, int OutOfWindow, List<string> AllKeys);

    /// <summary>Destination messages (folder names, one per message) with no counterpart anywhere on the source, in folders the pass touches.</summary>
    private static List<string> DestinationOnly(List<SourceFolderIdentities> source, Dictionary<string, List<string>> destination, SyncRequest request)
    {
        var excluded = new FolderMapper(request.Mapping with { Include = [] });
        var result = new List<string>();
        foreach (var (folder, keys) in destination.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            if (!excluded.IsSelected(folder))
            {
                continue;
            }

            var onSource = new IdentityBag(source.FirstOrDefault(f => f.Name == folder)?.AllKeys ?? []);
            result.AddRange(keys.Where(k => !onSource.Take(k)).Select(_ => folder));
        }

        return result;
    }

    /// <summary>A multiset: each destination message matches one source message only.</summary>
    private sealed class IdentityBag(IEnumerable<string> keys)
    {
        private readonly Dictionary<string, int> _counts = keys.GroupBy(k => k, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

        public bool Take(string key)
        {
            if (!_counts.TryGetValue(key, out var count) || count == 0)
            {
                return false;
            }

            _counts[key] = count - 1;
            return true;
        }
    }

    // Message-ID when there is one; otherwise INTERNALDATE and size, which dsync keeps.
    private static string KeyOf(string? messageId, long unixTime, long size) =>
        string.IsNullOrWhiteSpace(messageId) ? $"date:{unixTime.ToString(CultureInfo.InvariantCulture)}:{size.ToString(CultureInfo.InvariantCulture)}" : "id:" + messageId.Trim();

    /// <summary>Per folder of the source (selected, in '/' notation): the identities inside the window, and how many are older.</summary>
    private async Task<List<SourceFolderIdentities>> SourceIdentitiesAsync(SyncRequest request, CancellationToken cancellationToken)
    {
        using var connection = await _connector.OpenAsync(request.Source, ImapSide.Source, cancellationToken);
        var client = connection.Client;
        var mapper = new FolderMapper(request.Mapping);
        var result = new List<SourceFolderIdentities>();
        var folders = await client.GetFoldersAsync(client.PersonalNamespaces[0], StatusItems.Count, false, cancellationToken);
        foreach (var folder in folders.Prepend(client.Inbox).DistinctBy(f => f.FullName))
        {
            if (folder.Attributes.HasFlag(FolderAttributes.NoSelect) || folder.Attributes.HasFlag(FolderAttributes.NonExistent))
            {
                continue;
            }

            var name = FolderMapper.ToSlashPath(folder.FullName, folder.DirectorySeparator);
            if (!mapper.IsSelected(name, FolderRole.None))
            {
                continue;
            }

            await folder.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
            var inWindow = new List<Identity>();
            var all = new List<string>();
            var fetch = new FetchRequest(MessageSummaryItems.UniqueId | MessageSummaryItems.InternalDate | MessageSummaryItems.Size) { Headers = new HeaderSet([HeaderId.MessageId]) };
            // Every message is read (not only SINCE the window): what is older is needed to know what backup would delete.
            foreach (var chunk in (await folder.SearchAsync(SearchQuery.All, cancellationToken)).Chunk(1000))
            {
                foreach (var summary in await folder.FetchAsync(chunk, fetch, cancellationToken))
                {
                    var messageId = summary.Headers?[HeaderId.MessageId];
                    var key = KeyOf(messageId, summary.InternalDate?.ToUnixTimeSeconds() ?? 0, (long)(summary.Size ?? 0));
                    all.Add(key);
                    if (request.NotBefore is { } limit && summary.InternalDate < limit)
                    {
                        continue;
                    }

                    inWindow.Add(new Identity(key, string.IsNullOrWhiteSpace(messageId) ? null : messageId.Trim(), summary.InternalDate));
                }
            }

            await folder.CloseAsync(false, cancellationToken);
            result.Add(new SourceFolderIdentities(name, inWindow, all.Count - inWindow.Count, all));
        }

        return result;
    }

    private async Task<Dictionary<string, List<string>>> DestinationIdentitiesAsync(string user, CancellationToken cancellationToken)
    {
        var result = await RunAsync(DoveadmCommands.FetchIdentities(user, _settings.EffectiveConfigFile), [], null, cancellationToken, stdoutOnly: true);
        if (!result.Succeeded)
        {
            throw new ImapSyncException(new ImapFailure(ImapFailureKind.Unknown, ImapSide.Destination,
                $"doveadm could not read {user}'s messages on the destination to compare them with the source: {result.Meaning} {Last(result)}"));
        }

        var identities = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var line in result.Output.Skip(1))
        {
            // mailbox, date.received.unixtime, size.virtual, flags, hdr.message-id (columns in the order asked for).
            var columns = line.Split('\t');
            if (columns.Length < 5 || !long.TryParse(columns[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var date))
            {
                continue;
            }

            _ = long.TryParse(columns[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var size);
            if (!identities.TryGetValue(columns[0], out var list))
            {
                identities[columns[0]] = list = [];
            }

            list.Add(KeyOf(columns[4], date, size));
        }

        return identities;
    }

    private async Task<Dictionary<string, long>> DestinationCountsAsync(string user, CancellationToken cancellationToken)
    {
        var result = await RunAsync(DoveadmCommands.MailboxStatus(user, "*", ["messages"], _settings.EffectiveConfigFile), [], null, cancellationToken, stdoutOnly: true);
        if (!result.Succeeded)
        {
            throw new ImapSyncException(new ImapFailure(result.ExitCode == 67 ? ImapFailureKind.AuthenticationFailed : ImapFailureKind.Unknown, ImapSide.Destination,
                result.ExitCode == 67
                    ? $"the destination user {user} does not exist on the local Dovecot ({_settings.EffectiveConfigFile}): the doveadm engine can only fill accounts of that Dovecot."
                    : $"doveadm could not count {user}'s messages on the destination: {result.Meaning} {Last(result)}"));
        }

        return DoveadmMailboxStatusParser.Parse(result.Output).ToDictionary(s => s.Mailbox, s => s.Messages ?? 0, StringComparer.Ordinal);
    }

    private async Task<DoveadmResult> RunAsync(IReadOnlyList<string> arguments, IReadOnlyCollection<string> secrets, Action<string>? onLine, CancellationToken cancellationToken,
        bool stdoutOnly = false)
    {
        var executable = ExecutableLocator.Find(_settings.DoveadmPath)
            ?? throw new ImapSyncException(new ImapFailure(ImapFailureKind.Unknown, ImapSide.Destination, DoveadmMissing()));
        var output = new List<string>();
        var errors = new List<string>();
        var spec = new ProcessSpec(executable, arguments)
        {
            OnOutputLine = line =>
            {
                var text = SecretRedactor.Redact(line.Text, secrets);
                (stdoutOnly && line.Stream == OutputStream.StandardError ? errors : output).Add(text);
                onLine?.Invoke(text);
            },
        };
        var result = await _processRunner.RunAsync(spec, cancellationToken);
        return new DoveadmResult(result.ExitCode, DoveadmRunner.DescribeExitCode(result.ExitCode), result.Succeeded ? output : [.. output, .. errors], result.Duration);
    }

    private string DoveadmMissing() =>
        $"doveadm is not installed on this console host (looked for '{_settings.DoveadmPath}'): the doveadm engine cannot work here. {DoveadmRunner.InstallHint} Or use the native engine for this job.";

    private static string Last(DoveadmResult result) => result.Output.LastOrDefault(l => l.Length > 0) ?? "";

    /// <summary>Plain words for a failed dsync run, naming the side at fault.</summary>
    private ImapFailure Classify(DoveadmResult result, SyncRequest request)
    {
        var text = string.Join('\n', result.Output);
        var detail = $"doveadm exit {result.ExitCode}: {Last(result)}";
        if (text.Contains("Authentication failed", StringComparison.OrdinalIgnoreCase) || text.Contains("AUTHENTICATIONFAILED", StringComparison.Ordinal))
        {
            return new ImapFailure(ImapFailureKind.AuthenticationFailed, ImapSide.Source,
                $"authentication failed for {request.Source.User} on the source ({request.Source.Host}): check the password (doveadm logs in there through imapc).", detail);
        }

        if (text.Contains("connect(", StringComparison.Ordinal) || text.Contains("Connection refused", StringComparison.OrdinalIgnoreCase)
            || text.Contains("Host not found", StringComparison.OrdinalIgnoreCase))
        {
            return new ImapFailure(ImapFailureKind.ConnectionRefused, ImapSide.Source,
                $"the source server {request.Source.Host}:{request.Source.Port} could not be reached from this host: check its host name, port, TLS setting and firewall.", detail);
        }

        if (result.ExitCode == 67)
        {
            return new ImapFailure(ImapFailureKind.AuthenticationFailed, ImapSide.Destination,
                $"the destination user {request.Destination.User} does not exist on the local Dovecot ({_settings.EffectiveConfigFile}).", detail);
        }

        if (text.Contains("Quota exceeded", StringComparison.OrdinalIgnoreCase) || text.Contains("OVERQUOTA", StringComparison.Ordinal))
        {
            return new ImapFailure(ImapFailureKind.QuotaExceeded, ImapSide.Destination,
                $"the destination mailbox {request.Destination.User} is over quota: free space or raise its quota, then run the sync again.", detail);
        }

        return new ImapFailure(result.ExitCode is 137 or -1 or 9 ? ImapFailureKind.ConnectionLost : ImapFailureKind.Unknown, ImapSide.Destination,
            $"doveadm sync failed for {request.Destination.User}: {result.Meaning.TrimEnd('.')} (exit {result.ExitCode}); run the sync again to continue.", detail);
    }
}
