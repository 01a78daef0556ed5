using System.Security.Cryptography.X509Certificates;
using MailKit.Net.Imap;
using MailKit.Security;

namespace Ligbox.Tools.NativeImap;

/// <summary>
/// Fetches an IMAP server's TLS certificate without logging in, checked like every connection (verified, or the
/// job's pinned one). Used where another program makes the connection and needs the certificate handed over
/// (doveadm's imapc trusts the pinned certificate as its CA file).
/// </summary>
public static class ServerCertificateProbe
{
    /// <summary>Connects (implicit TLS or STARTTLS), takes the certificate and disconnects; no login, no secret sent.</summary>
    /// <param name="endpoint">The server; <see cref="ImapEndpoint.CertificateSha256"/> is honoured.</param>
    /// <param name="side">Which side it is, for the error message.</param>
    /// <param name="timeout">For the connect and handshake.</param>
    /// <param name="cancellationToken">Cancels the probe.</param>
    /// <returns>The accepted certificate; <c>null</c> for a plain connection.</returns>
    /// <exception cref="ImapSyncException">The server cannot be reached or its certificate is refused (in plain words, with its fingerprint).</exception>
    public static async Task<X509Certificate2?> GetAsync(ImapEndpoint endpoint, ImapSide side, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint.Security == ImapSecurity.None)
        {
            return null;
        }

        var check = new CertificateCheck(endpoint.CertificateSha256);
        X509Certificate2? accepted = null;
        using var client = new ImapClient { Timeout = (int)timeout.TotalMilliseconds };
        client.ServerCertificateValidationCallback = (sender, certificate, chain, errors) =>
        {
            var ok = check.Validate(sender, certificate, chain, errors);
            if (ok && certificate is not null)
            {
                accepted = new X509Certificate2(certificate);
            }

            return ok;
        };
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await client.ConnectAsync(endpoint.Host, endpoint.Port,
                endpoint.Security == ImapSecurity.Ssl ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls, cts.Token);
            await client.DisconnectAsync(true, cts.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (check.RefusedBecause is not null)
            {
                throw new ImapSyncException(check.Failure($"{endpoint.Host}:{endpoint.Port}", side, ex.Message), ex);
            }

            if (accepted is null)
            {
                throw new ImapSyncException(ImapErrorClassifier.Classify(ex is OperationCanceledException ? new TimeoutException(ex.Message) : ex, endpoint, side), ex);
            }
        }

        return accepted;
    }
}
