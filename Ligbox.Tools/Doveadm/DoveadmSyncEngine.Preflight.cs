using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Text.RegularExpressions;
using Ligbox.Tools.NativeImap;
using MailKit;

namespace Ligbox.Tools.Doveadm;

public sealed partial class DoveadmSyncEngine
{
    [GeneratedRegex(@"^\s*port\s*=\s*(\d+)\s*$")]
    private static partial Regex PortLine();

    /// <summary>
    /// Checks, without copying anything, that the doveadm engine can work for this mailbox: doveadm is
    /// installed, the destination is the Dovecot its configuration describes (same host, one of its IMAP
    /// ports) and knows the destination user, the job asks for nothing dsync cannot do, and the source login
    /// works. Each problem is one failure in plain words; the source folders come with their counts.
    /// </summary>
    /// <param name="request">The mailbox pair.</param>
    /// <param name="cancellationToken">Cancels the checks.</param>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    public async Task<PreflightResult> PreflightAsync(SyncRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var failures = new List<ImapFailure>();
        if (UnsupportedReason(request) is { } unsupported)
        {
            failures.Add(new ImapFailure(ImapFailureKind.Unknown, ImapSide.Destination, unsupported));
        }

        try
        {
            if (await NotLocalDestinationReasonAsync(request.Destination, cancellationToken) is { } notLocal)
            {
                failures.Add(new ImapFailure(ImapFailureKind.Unknown, ImapSide.Destination, notLocal));
            }
            else
            {
                var user = await RunAsync(DoveadmCommands.User(request.Destination.User, _settings.EffectiveConfigFile), [], null, cancellationToken, stdoutOnly: true);
                if (user.ExitCode == 67)
                {
                    failures.Add(new ImapFailure(ImapFailureKind.AuthenticationFailed, ImapSide.Destination,
                        $"the destination user {request.Destination.User} does not exist on the local Dovecot ({_settings.EffectiveConfigFile}): create the account first, or check the login."));
                }
                else if (!user.Succeeded)
                {
                    failures.Add(new ImapFailure(ImapFailureKind.Unknown, ImapSide.Destination,
                        $"doveadm could not look up {request.Destination.User} on the local Dovecot: {user.Meaning} {Last(user)}"));
                }
            }
        }
        catch (ImapSyncException ex)
        {
            failures.Add(ex.Failure);
        }

        var folders = new List<PreflightFolder>();
        if (request.Source.Mechanism is ImapAuthMechanism.XOAuth2 or ImapAuthMechanism.OAuthBearer)
        {
            return new PreflightResult { Failures = failures };
        }

        try
        {
            using var connection = await _connector.OpenAsync(request.Source, ImapSide.Source, cancellationToken);
            var client = connection.Client;
            var mapper = new FolderMapper(request.Mapping);
            foreach (var folder in await client.GetFoldersAsync(client.PersonalNamespaces[0], StatusItems.Count, false, cancellationToken))
            {
                var name = FolderMapper.ToSlashPath(folder.FullName, folder.DirectorySeparator);
                if (!folder.Attributes.HasFlag(FolderAttributes.NoSelect) && mapper.IsSelected(name))
                {
                    folders.Add(new PreflightFolder(folder.FullName, FolderMapper.RoleFromName(folder.FullName), folder.Count, folder.Size is { } size ? (long)size : 0));
                }
            }
        }
        catch (ImapSyncException ex)
        {
            failures.Add(ex.Failure);
        }

        return new PreflightResult { Folders = folders, Failures = failures };
    }

    /// <summary>What this engine cannot do for the request, in plain words; <c>null</c> when it can.</summary>
    public static string? UnsupportedReason(SyncRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Source.Mechanism is ImapAuthMechanism.XOAuth2 or ImapAuthMechanism.OAuthBearer)
        {
            return "the source uses XOAUTH2, which the doveadm engine (Dovecot's imapc) does not support here: use the native engine for this job.";
        }

        var mapping = request.Mapping;
        if (mapping.Include.Count > 0 || mapping.Overrides.Count > 0 || !string.IsNullOrWhiteSpace(mapping.DestinationPrefix))
        {
            return "the doveadm engine copies every folder under its own name: folder include lists, renames and a destination prefix are not supported "
                + "(excluded folders are). Remove them from the job, or use the native engine.";
        }

        return null;
    }

    /// <summary>
    /// Why the destination is not the Dovecot this host's doveadm manages, or <c>null</c> when it is: doveadm
    /// must be installed, and the destination must be a local address and one of the IMAP ports of
    /// <see cref="DoveadmSettings.EffectiveConfigFile"/>.
    /// </summary>
    /// <exception cref="ImapSyncException">doveadm is not installed.</exception>
    private async Task<string?> NotLocalDestinationReasonAsync(ImapEndpoint destination, CancellationToken cancellationToken)
    {
        var config = _settings.EffectiveConfigFile;
        if (!File.Exists(config))
        {
            return $"the Dovecot configuration {config} (Tools:Doveadm:ConfigFile) does not exist on this host: the doveadm engine works only where the destination Dovecot runs.";
        }

        var dump = await RunAsync(["-c", config, "config", "service/imap-login"], [], null, cancellationToken, stdoutOnly: true);
        if (!dump.Succeeded)
        {
            return $"doveadm could not read the Dovecot configuration {config}: {dump.Meaning} {Last(dump)}";
        }

        var ports = dump.Output.Select(l => PortLine().Match(l)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Where(p => p > 0).Distinct().ToList();
        if (!ports.Contains(destination.Port) || !await IsLocalAsync(destination.Host, cancellationToken))
        {
            return $"the destination {destination.Host}:{destination.Port} is not the Dovecot that doveadm on this host manages ({config} listens for IMAP on "
                + $"{(ports.Count == 0 ? "no port" : "port " + string.Join(", ", ports))} of this host): the doveadm engine cannot work for this job. "
                + "Run the console (or a worker) on the destination's Dovecot host, or use the native or imapsync engine.";
        }

        return null;
    }

    private static async Task<bool> IsLocalAsync(string host, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }

        var local = NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses.Select(a => a.Address))
            .ToHashSet();
        return addresses.Length > 0 && addresses.All(a => IPAddress.IsLoopback(a) || local.Contains(a));
    }
}
