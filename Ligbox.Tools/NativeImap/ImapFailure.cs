namespace Ligbox.Tools.NativeImap;

/// <summary>What kind of failure stopped an IMAP operation, so the console can tell the technician what to do.</summary>
public enum ImapFailureKind
{
    /// <summary>Something unexpected; see the detail.</summary>
    Unknown,

    /// <summary>The host name does not resolve.</summary>
    NameNotFound,

    /// <summary>Nothing listens on the port (or a firewall rejects it).</summary>
    ConnectionRefused,

    /// <summary>The server did not answer in time.</summary>
    Timeout,

    /// <summary>The TLS handshake failed (certificate, protocol version, or TLS on a plain port).</summary>
    Tls,

    /// <summary>The server rejected the user name or password/token.</summary>
    AuthenticationFailed,

    /// <summary>The destination is over quota.</summary>
    QuotaExceeded,

    /// <summary>The server rejected a message (too big, invalid).</summary>
    MessageRejected,

    /// <summary>The connection dropped and could not be re-established.</summary>
    ConnectionLost,

    /// <summary>The server answered something the client did not understand, or refused a command.</summary>
    Protocol,

    /// <summary>A folder could not be opened or created.</summary>
    Folder,

    /// <summary>Too many per-message errors in one mailbox (see <see cref="NativeImapOptions.MaxErrors"/>).</summary>
    TooManyErrors,
}

/// <summary>Which server of the pair a failure happened on.</summary>
public enum ImapSide
{
    /// <summary>The server mail is copied from.</summary>
    Source,

    /// <summary>The server mail is copied to.</summary>
    Destination,
}

/// <summary>A classified failure with a message a technician can act on.</summary>
/// <param name="Kind">The classification.</param>
/// <param name="Side">The server it happened on.</param>
/// <param name="Message">Plain-words message, e.g. "authentication failed for ana@example.com on the source: check the password".</param>
/// <param name="Detail">The underlying error text (never contains secrets).</param>
public sealed record ImapFailure(ImapFailureKind Kind, ImapSide Side, string Message, string? Detail = null)
{
    /// <summary>
    /// For a refused TLS certificate: the SHA-256 fingerprint (64 hex digits) the server presented, so a
    /// technician can confirm it with the server's administrator and pin it.
    /// </summary>
    public string? CertificateSha256 { get; init; }

    /// <summary>
    /// The English format <see cref="Message"/> was made from ("authentication failed for {0} on {1}: check the password"),
    /// null for a message written without one. With <see cref="Arguments"/> it lets the console say the message in the
    /// reader's language; <see cref="Message"/> stays the English default (logs, the API).
    /// </summary>
    public string? Template { get; init; }

    /// <summary>The values of <see cref="Template"/>'s placeholders, as strings.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>A failure whose message is <paramref name="template"/> filled with <paramref name="arguments"/>.</summary>
    /// <param name="kind">The classification.</param>
    /// <param name="side">The server it happened on.</param>
    /// <param name="detail">The underlying error text (never contains secrets).</param>
    /// <param name="template">The English format of the message.</param>
    /// <param name="arguments">Its placeholders' values.</param>
    /// <returns>The failure, with its message, template and arguments.</returns>
    public static ImapFailure Of(ImapFailureKind kind, ImapSide side, string? detail, string template, params string[] arguments) =>
        new(kind, side, string.Format(System.Globalization.CultureInfo.InvariantCulture, template, arguments), detail)
        {
            Template = template,
            Arguments = arguments,
        };
}

/// <summary>Thrown when a mailbox cannot be synced (or pre-flighted); carries the classified <see cref="ImapFailure"/>.</summary>
public sealed class ImapSyncException : Exception
{
    /// <summary>Creates the exception for a classified failure.</summary>
    public ImapSyncException(ImapFailure failure, Exception? innerException = null)
        : base(failure.Message, innerException)
    {
        Failure = failure;
    }

    /// <summary>The classified failure.</summary>
    public ImapFailure Failure { get; }
}
