using Ligbox.Tools.NativeImap;

namespace Ligbox.Tools.Imapsync;

/// <summary>Plain words for a failed imapsync run, naming the mailbox and the server, with what to do.</summary>
public static class ImapsyncFailures
{
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
    /// <param name="result">The failed run.</param>
    /// <param name="request">The mailbox pair it ran for.</param>
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
