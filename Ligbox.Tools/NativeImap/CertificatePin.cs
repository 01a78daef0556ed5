using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Ligbox.Tools.NativeImap;

/// <summary>
/// SHA-256 fingerprints of server certificates: how a job trusts one server's certificate that no
/// certificate authority vouches for (an old server's self-signed one), and only that certificate.
/// </summary>
public static class CertificatePin
{
    /// <summary>The SHA-256 fingerprint of the certificate's DER bytes, as 64 upper-case hex digits.</summary>
    /// <param name="certificate">The server certificate.</param>
    /// <returns>The fingerprint, e.g. <c>3A5F…</c>.</returns>
    public static string Of(X509Certificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData()));
    }

    /// <summary>
    /// Reads a fingerprint as people paste it: with or without colons or spaces, any case, with or without a
    /// <c>sha256</c> prefix (<c>sha256$</c>, <c>SHA256:</c>, <c>SHA256 Fingerprint=</c> as openssl prints it).
    /// </summary>
    /// <param name="text">The pasted text.</param>
    /// <param name="fingerprint">The 64 upper-case hex digits when it is one.</param>
    /// <returns>Whether <paramref name="text"/> is a SHA-256 fingerprint.</returns>
    public static bool TryNormalize(string? text, out string fingerprint)
    {
        fingerprint = "";
        var t = (text ?? "").Trim();
        var at = t.LastIndexOfAny(['=', '$']);
        if (at >= 0)
        {
            t = t[(at + 1)..];
        }
        else if (t.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase))
        {
            t = t[7..];
        }

        var hex = string.Concat(t.Where(c => c is not (':' or ' ' or '-')));
        if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        fingerprint = hex.ToUpperInvariant();
        return true;
    }

    /// <summary>The fingerprint in the usual colon-separated form (<c>3A:5F:…</c>) for people to compare.</summary>
    /// <param name="fingerprint">64 hex digits.</param>
    /// <returns>The display form.</returns>
    public static string Display(string fingerprint) =>
        string.Join(':', Enumerable.Range(0, fingerprint.Length / 2).Select(i => fingerprint.Substring(i * 2, 2)));

    /// <summary>Why a certificate is not trusted on its own, in words ("it is self-signed or issued by an unknown authority").</summary>
    /// <param name="errors">The TLS policy errors.</param>
    /// <param name="chain">The chain that was built, when there is one.</param>
    /// <param name="host">The host name that was asked for.</param>
    /// <returns>A short phrase.</returns>
    public static string Reason(SslPolicyErrors errors, X509Chain? chain, string host)
    {
        var reasons = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            reasons.Add($"its name does not match {host}");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            var status = chain?.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status) ?? X509ChainStatusFlags.NoError;
            if (status.HasFlag(X509ChainStatusFlags.NotTimeValid))
            {
                reasons.Add("it has expired or is not valid yet");
            }

            if (status.HasFlag(X509ChainStatusFlags.UntrustedRoot) || status.HasFlag(X509ChainStatusFlags.PartialChain) || status == X509ChainStatusFlags.NoError)
            {
                reasons.Add("it is self-signed or issued by an authority this machine does not trust");
            }
            else if (!status.HasFlag(X509ChainStatusFlags.NotTimeValid))
            {
                reasons.Add($"its chain does not verify ({status})");
            }
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            reasons.Add("the server sent no certificate");
        }

        return reasons.Count == 0 ? "it did not verify" : string.Join(" and ", reasons);
    }
}

/// <summary>
/// One TLS handshake's certificate check: a certificate that verifies (trusted authority, matching name,
/// in date) passes; one that does not passes only when its SHA-256 fingerprint is the pinned one. Never
/// "accept everything". Remembers what it saw so a refusal can be explained.
/// </summary>
/// <param name="pinnedSha256">The fingerprint the job trusts (64 hex digits), or <c>null</c>.</param>
internal sealed class CertificateCheck(string? pinnedSha256)
{
    /// <summary>The presented certificate's fingerprint, once the handshake got that far.</summary>
    public string? Seen { get; private set; }

    /// <summary>Why the presented certificate was refused; <c>null</c> when it was accepted (or not seen).</summary>
    public string? RefusedBecause { get; private set; }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            RefusedBecause = "the server sent no certificate";
            return false;
        }

        Seen = CertificatePin.Of(certificate);
        if (errors == SslPolicyErrors.None || string.Equals(Seen, pinnedSha256, StringComparison.OrdinalIgnoreCase))
        {
            RefusedBecause = null;
            return true;
        }

        var host = sender switch
        {
            SslStream { TargetHostName: { } name } => name,
            string name => name,
            _ => "the host name",
        };
        RefusedBecause = CertificatePin.Reason(errors, chain, host);
        return false;
    }

    /// <summary>The refusal in words a technician can act on, naming both fingerprints when a pinned certificate changed.</summary>
    public ImapFailure Failure(string server, ImapSide side, string? detail)
    {
        var where = side == ImapSide.Source ? "the source" : "the destination";
        var seen = Seen is null ? "(none)" : CertificatePin.Display(Seen);
        var message = pinnedSha256 is null
            ? $"the TLS certificate of {server} on {where} is not trusted: {RefusedBecause}. Its SHA-256 fingerprint is {seen}. "
              + $"If the server's administrator confirms this fingerprint, trust it by pinning it in the job's {(side == ImapSide.Source ? "source" : "destination")} server settings."
            : $"the TLS certificate of {server} on {where} changed: the job trusts SHA-256 {CertificatePin.Display(pinnedSha256)}, but the server now presents {seen} ({RefusedBecause}). "
              + "If the certificate was replaced on purpose, confirm the new fingerprint with the server's administrator and pin it in the job's settings; otherwise do not continue: the connection may be intercepted.";
        return new ImapFailure(ImapFailureKind.Tls, side, message, detail) { CertificateSha256 = Seen };
    }
}
