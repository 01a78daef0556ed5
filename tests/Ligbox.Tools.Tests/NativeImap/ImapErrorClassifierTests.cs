using System.Net.Sockets;
using Ligbox.Tools.NativeImap;
using MailKit.Net.Imap;
using MailKit.Security;

namespace Ligbox.Tools.Tests.NativeImap;

public sealed class ImapErrorClassifierTests
{
    private static readonly ImapEndpoint Ana = new("imap.example.com", 993, ImapSecurity.Ssl, "ana@example.com", "s3cret!");

    public static TheoryData<Exception, ImapFailureKind> Cases => new()
    {
        { new SocketException((int)SocketError.HostNotFound), ImapFailureKind.NameNotFound },
        { new SocketException((int)SocketError.ConnectionRefused), ImapFailureKind.ConnectionRefused },
        { new IOException("wrapped", new SocketException((int)SocketError.ConnectionRefused)), ImapFailureKind.ConnectionRefused },
        { new SocketException((int)SocketError.TimedOut), ImapFailureKind.Timeout },
        { new TimeoutException(), ImapFailureKind.Timeout },
        { new SslHandshakeException("bad certificate"), ImapFailureKind.Tls },
        { new NotSupportedException("The IMAP server does not support the STARTTLS extension."), ImapFailureKind.Tls },
        { new AuthenticationException("Authentication failed."), ImapFailureKind.AuthenticationFailed },
        { new ImapCommandException(ImapCommandResponse.No, "[OVERQUOTA] Quota exceeded (mailbox for user is full)"), ImapFailureKind.QuotaExceeded },
        { new ImapCommandException(ImapCommandResponse.No, "[TOOBIG] Mail size is too large"), ImapFailureKind.MessageRejected },
        { new ImapProtocolException("Unexpected token"), ImapFailureKind.Protocol },
        { new IOException("Connection reset by peer"), ImapFailureKind.ConnectionLost },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ClassifiesTheFailure_WhenGivenTheException(Exception exception, ImapFailureKind expected)
    {
        var failure = ImapErrorClassifier.Classify(exception, Ana, ImapSide.Source);

        Assert.Equal(expected, failure.Kind);
        Assert.Equal(ImapSide.Source, failure.Side);
        Assert.Contains("source", failure.Message);
    }

    [Fact]
    public void NeverRepeatsTheSecret_WhenTheServerEchoesIt()
    {
        var failure = ImapErrorClassifier.Classify(new ImapProtocolException("unexpected: LOGIN ana s3cret!"), Ana, ImapSide.Destination);

        Assert.DoesNotContain("s3cret!", failure.Message + failure.Detail);
    }

    [Fact]
    public void SaysTheTokenWasRejected_WhenXOAuth2Fails()
    {
        var failure = ImapErrorClassifier.Classify(new AuthenticationException(), Ana with { Mechanism = ImapAuthMechanism.XOAuth2 }, ImapSide.Source);

        Assert.Equal("authentication failed for ana@example.com on the source: the access token was rejected (expired or missing IMAP scope)", failure.Message);
    }
}
