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

        // English templates with their arguments (ImapFailure.Of), so the console can say them in the reader's language;
        // imapsync's own words for an exit code (Exit.Meaning) stay as imapsync wrote them.
        var exit = result.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return result.ExitCode switch
        {
            161 => ImapFailure.Of(ImapFailureKind.AuthenticationFailed, ImapSide.Source, detail,
                "authentication failed for {0} on the source ({1}): check the password (imapsync exit {2}, {3}).", source.User, source.Host, exit, result.Exit.Name),
            162 => ImapFailure.Of(ImapFailureKind.AuthenticationFailed, ImapSide.Destination, detail,
                "authentication failed for {0} on the destination ({1}): check the password (imapsync exit {2}, {3}).", destination.User, destination.Host, exit, result.Exit.Name),
            101 => ImapFailure.Of(ImapFailureKind.ConnectionRefused, ImapSide.Source, detail,
                "the source server {0}:{1} could not be reached: check its host name, port, TLS setting and firewall (imapsync exit {2}, {3}).",
                source.Host, Port(source.Port), exit, result.Exit.Name),
            102 => ImapFailure.Of(ImapFailureKind.ConnectionRefused, ImapSide.Destination, detail,
                "the destination server {0}:{1} could not be reached: check its host name, port, TLS setting and firewall (imapsync exit {2}, {3}).",
                destination.Host, Port(destination.Port), exit, result.Exit.Name),
            113 => ImapFailure.Of(ImapFailureKind.QuotaExceeded, ImapSide.Destination, detail,
                "the destination mailbox {0} is over quota: free space or raise its quota, then run the sync again (imapsync exit {1}, {2}).", destination.User, exit, result.Exit.Name),
            114 => ImapFailure.Of(ImapFailureKind.MessageRejected, ImapSide.Destination, detail,
                "messages could not be written to {0} on the destination: {1} (imapsync exit {2}, {3}).", destination.User, Lower(result.Exit.Meaning), exit, result.Exit.Name),
            115 => ImapFailure.Of(ImapFailureKind.Protocol, ImapSide.Source, detail,
                "messages could not be read from {0} on the source: {1} (imapsync exit {2}, {3}).", source.User, Lower(result.Exit.Meaning), exit, result.Exit.Name),
            116 or 117 => ImapFailure.Of(ImapFailureKind.Folder, ImapSide.Destination, detail,
                "a folder of {0} could not be opened or created: {1} (imapsync exit {2}, {3}).", source.User, Lower(result.Exit.Meaning), exit, result.Exit.Name),
            6 => ImapFailure.Of(ImapFailureKind.ConnectionLost, ImapSide.Source, detail,
                "imapsync was stopped before {0} finished: run the sync again to continue (imapsync exit {1}, {2}).", source.User, exit, result.Exit.Name),
            _ => ImapFailure.Of(ImapFailureKind.Unknown, ImapSide.Source, detail,
                "imapsync failed for {0}: {1} (imapsync exit {2}, {3}).", source.User, Lower(result.Exit.Meaning), exit, result.Exit.Name),
        };
    }

    private static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Lower(string text) => text.Length > 0 ? char.ToLowerInvariant(text[0]) + text[1..].TrimEnd('.') : text;
}
