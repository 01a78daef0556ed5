using System.Net.Sockets;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;

namespace Ligbox.Tools.NativeImap;

/// <summary>Turns exceptions from sockets, TLS and MailKit into an <see cref="ImapFailure"/> a technician can act on.</summary>
internal static class ImapErrorClassifier
{
    public static ImapFailure Classify(Exception exception, ImapEndpoint endpoint, ImapSide side)
    {
        var where = side == ImapSide.Source ? "the source" : "the destination";
        var server = $"{endpoint.Host}:{endpoint.Port}";
        var detail = Redact(exception.Message, endpoint);
        return Unwrap(exception) switch
        {
            ImapSyncException sync => sync.Failure,
            SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain } =>
                new(ImapFailureKind.NameNotFound, side, $"the {Name(side)} server name {endpoint.Host} does not resolve: check the host name", detail),
            SocketException { SocketErrorCode: SocketError.ConnectionRefused } =>
                new(ImapFailureKind.ConnectionRefused, side, $"{server} refused the connection on {where}: check the port and that the IMAP service is running", detail),
            SocketException { SocketErrorCode: SocketError.TimedOut } or TimeoutException =>
                new(ImapFailureKind.Timeout, side, $"{server} did not answer in time on {where}: check the host, port and firewall", detail),
            SslHandshakeException or System.Security.Authentication.AuthenticationException =>
                new(ImapFailureKind.Tls, side, $"TLS handshake with {server} failed on {where}: check the security mode (SSL/STARTTLS/none) and the certificate", detail),
            NotSupportedException notSupported when notSupported.Message.Contains("STARTTLS", StringComparison.OrdinalIgnoreCase) =>
                new(ImapFailureKind.Tls, side, $"{server} does not offer STARTTLS on {where}: use SSL (usually port 993) or check the security mode", detail),
            MailKit.Security.AuthenticationException when endpoint.AdminUser is { } admin =>
                new(ImapFailureKind.AuthenticationFailed, side,
                    $"the admin login {admin} could not log in as {endpoint.User} on {where}"
                    + (endpoint.AdminMode == ImapAdminMode.MasterUser ? $" (as {endpoint.LoginName})" : " (SASL PLAIN proxy authorization)")
                    + ": check the admin password, that the account exists, and that the admin may log in as other users (master user / proxy authorization)", detail),
            MailKit.Security.AuthenticationException =>
                new(ImapFailureKind.AuthenticationFailed, side, endpoint.Mechanism == ImapAuthMechanism.XOAuth2
                    ? $"authentication failed for {endpoint.User} on {where}: the access token was rejected (expired or missing IMAP scope)"
                    : $"authentication failed for {endpoint.User} on {where}: check the password", detail),
            ImapCommandException command when IsOverQuota(command) =>
                new(ImapFailureKind.QuotaExceeded, side, $"{endpoint.User} is over quota on {where}: raise the quota or free space", detail),
            ImapCommandException command when IsTooBig(command) =>
                new(ImapFailureKind.MessageRejected, side, $"{where} rejected a message as too big for {endpoint.User}", detail),
            FolderNotFoundException folder =>
                new(ImapFailureKind.Folder, side, $"folder {folder.FolderName} not found on {where}", detail),
            ImapCommandException or ImapProtocolException or ProtocolException or NotSupportedException =>
                new(ImapFailureKind.Protocol, side, $"{server} on {where} refused or garbled a command: {detail}", detail),
            SocketException or IOException or ServiceNotConnectedException =>
                new(ImapFailureKind.ConnectionLost, side, $"the connection to {server} on {where} was lost: check the network", detail),
            _ => new(ImapFailureKind.Unknown, side, $"unexpected error on {where} ({server}): {detail}", detail),
        };
    }

    /// <summary>Whether the exception is a dropped connection worth reconnecting for.</summary>
    public static bool IsTransient(Exception exception) =>
        Unwrap(exception) is IOException or SocketException or ImapProtocolException or ServiceNotConnectedException or TimeoutException;

    public static bool IsOverQuota(ImapCommandException exception) =>
        Contains(exception, "OVERQUOTA") || Contains(exception, "quota");

    public static bool IsTooBig(ImapCommandException exception) =>
        Contains(exception, "TOOBIG") || Contains(exception, "too big") || Contains(exception, "too large") || Contains(exception, "LIMIT");

    private static bool Contains(ImapCommandException exception, string text) =>
        (exception.ResponseText ?? "").Contains(text, StringComparison.OrdinalIgnoreCase)
        || exception.Message.Contains(text, StringComparison.OrdinalIgnoreCase);

    private static Exception Unwrap(Exception exception)
    {
        var current = exception;
        while (current is AggregateException { InnerException: { } inner })
        {
            current = inner;
        }

        // MailKit wraps socket errors in IOException sometimes; the socket error is the better classifier.
        if (current is IOException { InnerException: SocketException socket })
        {
            return socket;
        }

        return current;
    }

    private static string Name(ImapSide side) => side == ImapSide.Source ? "source" : "destination";

    private static string Redact(string text, ImapEndpoint endpoint) =>
        string.IsNullOrEmpty(endpoint.Secret) ? text : text.Replace(endpoint.Secret, "********", StringComparison.Ordinal);
}
