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
        // Each message is an English template with its arguments (ImapFailure.Of), so the console can translate it.
        return Unwrap(exception) switch
        {
            ImapSyncException sync => sync.Failure,
            SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain } =>
                ImapFailure.Of(ImapFailureKind.NameNotFound, side, detail, "the {0} server name {1} does not resolve: check the host name", Name(side), endpoint.Host),
            SocketException { SocketErrorCode: SocketError.ConnectionRefused } =>
                ImapFailure.Of(ImapFailureKind.ConnectionRefused, side, detail, "{0} refused the connection on {1}: check the port and that the IMAP service is running", server, where),
            SocketException { SocketErrorCode: SocketError.TimedOut } or TimeoutException =>
                ImapFailure.Of(ImapFailureKind.Timeout, side, detail, "{0} did not answer in time on {1}: check the host, port and firewall", server, where),
            SslHandshakeException or System.Security.Authentication.AuthenticationException =>
                ImapFailure.Of(ImapFailureKind.Tls, side, detail, "TLS handshake with {0} failed on {1}: check the security mode (SSL/STARTTLS/none) and the certificate", server, where),
            NotSupportedException notSupported when notSupported.Message.Contains("STARTTLS", StringComparison.OrdinalIgnoreCase) =>
                ImapFailure.Of(ImapFailureKind.Tls, side, detail, "{0} does not offer STARTTLS on {1}: use SSL (usually port 993) or check the security mode", server, where),
            MailKit.Security.AuthenticationException when endpoint.AdminUser is { } admin => endpoint.AdminMode == ImapAdminMode.MasterUser
                ? ImapFailure.Of(ImapFailureKind.AuthenticationFailed, side, detail,
                    "the admin login {0} could not log in as {1} on {2} (as {3}): check the admin password, that the account exists, and that the admin may log in as other users (master user / proxy authorization)",
                    admin, endpoint.User, where, endpoint.LoginName)
                : ImapFailure.Of(ImapFailureKind.AuthenticationFailed, side, detail,
                    "the admin login {0} could not log in as {1} on {2} (SASL PLAIN proxy authorization): check the admin password, that the account exists, and that the admin may log in as other users (master user / proxy authorization)",
                    admin, endpoint.User, where),
            MailKit.Security.AuthenticationException => endpoint.Mechanism is ImapAuthMechanism.XOAuth2 or ImapAuthMechanism.OAuthBearer
                ? ImapFailure.Of(ImapFailureKind.AuthenticationFailed, side, detail, "authentication failed for {0} on {1}: the access token was rejected (expired or missing IMAP scope)", endpoint.User, where)
                : ImapFailure.Of(ImapFailureKind.AuthenticationFailed, side, detail, "authentication failed for {0} on {1}: check the password", endpoint.User, where),
            ImapCommandException command when IsOverQuota(command) =>
                ImapFailure.Of(ImapFailureKind.QuotaExceeded, side, detail, "{0} is over quota on {1}: raise the quota or free space", endpoint.User, where),
            ImapCommandException command when IsTooBig(command) =>
                ImapFailure.Of(ImapFailureKind.MessageRejected, side, detail, "{1} rejected a message as too big for {0}", endpoint.User, where),
            FolderNotFoundException folder =>
                ImapFailure.Of(ImapFailureKind.Folder, side, detail, "folder {0} not found on {1}", folder.FolderName, where),
            ImapCommandException or ImapProtocolException or ProtocolException or NotSupportedException =>
                ImapFailure.Of(ImapFailureKind.Protocol, side, detail, "{0} on {1} refused or garbled a command: {2}", server, where, detail),
            SocketException or IOException or ServiceNotConnectedException =>
                ImapFailure.Of(ImapFailureKind.ConnectionLost, side, detail, "the connection to {0} on {1} was lost: check the network", server, where),
            _ => ImapFailure.Of(ImapFailureKind.Unknown, side, detail, "unexpected error on {0} ({1}): {2}", where, server, detail),
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
